/** A fault in a scenario that its schema cannot see (a duplicate id, an unknown directory…). */
export class ScenarioFault extends Error {
  constructor(
    readonly pointer: string,
    readonly expected: string
  ) {
    super(`at ${pointer || '/'}: expected ${expected}`)
  }
}
