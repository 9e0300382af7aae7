import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, sep } from 'node:path'

// Reading files a scenario names, safely: by real path, regular files only, bounded.

/** Whether `path` is `root` or below it (both real paths). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path)
  // `..foo/x.yaml` is inside: only `..` itself or `../…` climbs out.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

export function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path)
  } catch {
    return null
  }
}

/** Why a file cannot be read as a scenario or fixture: its message says what was expected. */
export class UnreadableFile extends Error {}

/**
 * The text of a regular file of at most `max` bytes. A device, FIFO or socket is refused
 * without being opened; the file is opened non-blocking and checked again on its descriptor
 * (it may have been swapped in between; the path is a real path, so a link there now is
 * refused), and never more than `max` + 1 bytes are read (a /proc file claims size 0).
 */
export function readRegularFile(path: string, max: number): string {
  let fd: number
  try {
    if (!statSync(path).isFile()) throw new UnreadableFile('a regular file (not a device, FIFO, socket or folder)')
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW)
  } catch (e) {
    if (e instanceof UnreadableFile) throw e
    throw new UnreadableFile('a readable file')
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new UnreadableFile('a regular file (not a device, FIFO, socket or folder)')
    if (stat.size > max) throw new UnreadableFile(`a file of at most ${max} bytes, but it has ${stat.size}`)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total))
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      chunks.push(chunk.subarray(0, n))
      total += n
      if (total > max) throw new UnreadableFile(`a file of at most ${max} bytes`)
    }
    return Buffer.concat(chunks, total).toString('utf8')
  } catch (e) {
    if (e instanceof UnreadableFile) throw e
    throw new UnreadableFile('a readable file')
  } finally {
    closeSync(fd)
  }
}
