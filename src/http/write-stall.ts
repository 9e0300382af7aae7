import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/** What a socket's writes looked like at a sweep, and since when (performance.now()). */
interface Seen {
  queued: number
  written: number
  /**
   * libuv's bytes not yet taken by the kernel: it falls as a slow reader reads one large write.
   * It is the handle's undocumented `writeQueueSize`, which Node's own socket timeout reads for the
   * same reason; were it gone, a reader would be judged by whole writes (the other two).
   */
  inKernelQueue: number
  since: number
}

/** The most a stall may be (setInterval's own bound, ~24.8 days). */
export const MAX_WRITE_STALL_MS = 2_147_483_647

/**
 * Destroys a connection of `server` whose client stopped reading: one with bytes queued for it
 * (`writableLength > 0`) whose writes made no progress (the bytes queued, the bytes written, and
 * libuv's write queue all unchanged) for at least `stallMs`. A socket with nothing queued is never
 * touched: an idle keep-alive socket, an answer a fault rule delays, a request still coming are
 * bounded elsewhere (keepAliveTimeout, the fault's own bound, requestTimeout).
 *
 * A sweep every `max(10, stallMs / 4)` ms over the open sockets, rather than Node's socket
 * timeout (`server.setTimeout`): that one refreshes a timer on every read and write of every
 * request (the request path is measured: this costs nothing per request, only a set entry per
 * connection), and a server 'timeout' listener takes over closing idle keep-alive sockets from
 * Node. A stall is seen between `stallMs` and `stallMs` plus two sweeps after it begins.
 */
export function cutStalledReaders(server: Server, stallMs: number): void {
  if (!Number.isInteger(stallMs) || stallMs < 1 || stallMs > MAX_WRITE_STALL_MS) {
    throw new RangeError(`writeStallMs must be an integer from 1 to ${MAX_WRITE_STALL_MS}, got ${String(stallMs)}`)
  }
  const sockets = new Map<Socket, Seen>()
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { queued: 0, written: 0, inKernelQueue: 0, since: 0 })
    socket.once('close', () => sockets.delete(socket))
  })
  const sweep = (): void => {
    const now = performance.now()
    for (const [socket, seen] of sockets) {
      const queued = socket.writableLength
      if (queued === 0) {
        seen.queued = 0
        continue
      }
      const written = socket.bytesWritten
      const inKernelQueue = (socket as { _handle?: { writeQueueSize?: number } | null })._handle?.writeQueueSize ?? 0
      if (queued !== seen.queued || written !== seen.written || inKernelQueue !== seen.inKernelQueue) {
        seen.queued = queued
        seen.written = written
        seen.inKernelQueue = inKernelQueue
        seen.since = now
      } else if (now - seen.since >= stallMs) {
        socket.destroy()
      }
    }
  }
  let timer: NodeJS.Timeout | null = null
  // Only while listening: an app that is only injected into has no timer.
  server.on('listening', () => {
    if (timer !== null) return
    timer = setInterval(sweep, Math.max(10, Math.floor(stallMs / 4)))
    timer.unref()
  })
  server.on('close', () => {
    if (timer !== null) clearInterval(timer)
    timer = null
  })
}
