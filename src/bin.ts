#!/usr/bin/env node
import module from 'node:module'

// The CLI's entry: the only file that runs on import. Node >= 22.1 can cache compiled code on
// disk, so later starts skip most parsing; it must be on before the CLI's modules load.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
// A reader that stops early (`--print-openapi | head`) closes the pipe: stop quietly, as a
// Unix tool does on SIGPIPE, instead of an unhandled EPIPE and its stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e
  process.exit(process.exitCode ?? 0)
})
const { cli } = await import('./cli.js')
await cli(process.argv.slice(2), process.env)
