import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { BatchService } from './service/batches.js'
import { loadScenario } from './scenario/load.js'

/**
 * Reloads the scenario file whenever it changes. A bad edit keeps the scenario in force
 * and logs why. Watches the folder, not the file: editors often save by replacing it.
 */
export function watchScenario(state: BatchService, path: string, log: FastifyBaseLogger, debounceMs = 100): { close(): void } {
  let timer: NodeJS.Timeout | undefined
  const reload = (): void => {
    try {
      state.replaceScenario(loadScenario(path))
      log.info({ scenario: path, batches: state.world.store.size }, 'scenario reloaded')
    } catch (e) {
      log.warn({ scenario: path, reason: (e as Error).message }, 'scenario change ignored: the previous scenario stays in force')
    }
  }
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (file !== basename(path)) return
    clearTimeout(timer)
    timer = setTimeout(reload, debounceMs)
  })
  return {
    close() {
      clearTimeout(timer)
      watcher.close()
    }
  }
}
