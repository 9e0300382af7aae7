// The webhook benches' receiver (bench/webhooks.ts and bench/webhooks-cpu.mjs), in a process of
// its own so it does not compete with the load generator: answers 204 to every POST and counts
// them; POST /count answers the count. Plain JavaScript so both benches load it as is.
import { spawn } from 'node:child_process'
import { once } from 'node:events'

const PROGRAM = `let n = 0; require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { if (q.url === '/count') return s.end(String(n)); n++; s.writeHead(204).end() }) }).listen(0, '127.0.0.1', function () { console.log('receiver ' + this.address().port) })`

/** Starts the receiver (127.0.0.1, port 0); `url` is where to send webhooks. */
export async function receiver() {
  const child = spawn(process.execPath, ['-e', PROGRAM], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /receiver (\d+)/.exec(out)
      if (m) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`receiver exited ${code}`)))
  })
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    count: async () => Number(await (await fetch(`http://127.0.0.1:${port}/count`, { method: 'POST' })).text()),
    close: async () => {
      // Not exited yet: neither with a code nor by a signal (a killed child's exitCode stays null, and 'exit' never comes again).
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
    }
  }
}
