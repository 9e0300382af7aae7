import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

// tap's loaders (TypeScript, coverage) ride along in NODE_OPTIONS; the built CLI needs none
// of them, and loading them makes every spawn a second slower.
const cleanEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, NODE_OPTIONS: '', ...extra })

export interface Started {
  child: ChildProcess
  url: string
  banner: string
  stderr: () => string
}

type Tap = { teardown(fn: () => unknown): void }

/** Runs the built CLI as a real process and waits for its banner; killed when the test ends. */
export async function startCli(t: Tap, args: string[], env: Record<string, string> = {}, command: string[] = [process.execPath, CLI]): Promise<Started> {
  const [bin, ...pre] = command as [string, ...string[]]
  const child = spawn(bin, [...pre, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d))
  const banner = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const line = out.split('\n').find((l) => l.includes(' listening on '))
      if (line) resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`exited ${code} before its banner: ${err}`)))
  })
  const url = /listening on (\S+)/.exec(banner)![1]!
  return { child, url, banner, stderr: () => err }
}

/** Runs the CLI to completion: exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d))
  child.stderr.on('data', (d: Buffer) => (stderr += d))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}
