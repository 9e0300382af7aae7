/**
 * What bounds in tests measure: this process's CPU time, not the wall clock. Another process
 * on a busy 2-core machine (tap runs three files at once) stretches wall time, never ours.
 * The server under test runs in this process (app.inject or startMock), so its work counts.
 */
export function cpuNow(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** CPU milliseconds spent while `fn` ran, and what it returned. */
export async function cpuTimed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = cpuNow()
  const value = await fn()
  return { value, ms: cpuNow() - started }
}
