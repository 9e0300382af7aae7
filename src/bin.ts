#!/usr/bin/env node
import module from 'node:module'

// The CLI's entry: the only file that runs on import. Node >= 22.1 can cache compiled code on
// disk, so later starts skip most parsing; it must be on before the CLI's modules load.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
const { cli } = await import('./cli.js')
await cli(process.argv.slice(2), process.env)
