import type { Delay, FaultRule } from '../schemas/faults.js'
import { hashSeed } from '../scenario/generate.js'

export interface FaultState extends FaultRule {
  id: string
  matched: number
  fired: number
}

interface CompiledRule {
  state: FaultState
  method: string | null
  path: RegExp
}

/** `*` is one path segment, `**` anything; everything else is literal. */
export function pathPattern(glob: string): RegExp {
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${source}$`)
}

/** A uniform number in [0, 1) that follows from the seed and the key alone. */
function unit(seed: number, key: string): number {
  return hashSeed(seed, key) / 2 ** 32
}

/** The delay a rule adds to one request, drawn from its (seeded) distribution. */
export function sampleDelay(delay: Delay, seed: number, key: string): number {
  if (typeof delay === 'number') return delay
  if ('min' in delay) return Math.round(Math.min(delay.min, delay.max) + unit(seed, key) * Math.abs(delay.max - delay.min))
  // Box–Muller from two seeded uniforms: exp(ln(median) + sigma * N(0,1)).
  const u1 = Math.max(unit(seed, `${key}:a`), Number.EPSILON)
  const u2 = unit(seed, `${key}:b`)
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  return Math.min(Math.round(delay.median * Math.exp(delay.sigma * normal)), 600_000)
}

/**
 * The fault rules in force, in order. The first rule that matches a request and fires
 * answers it. Whether a probability rule fires depends only on the seed, the rule id and
 * how many requests it has matched — so the same requests fire the same faults every run.
 */
export class FaultBook {
  #rules: CompiledRule[] = []
  #nextId = 1

  constructor(
    readonly seed: number,
    rules: readonly FaultRule[] = []
  ) {
    for (const rule of rules) this.add(rule)
  }

  add(rule: FaultRule): FaultState {
    const id = rule.id ?? `fault-${this.#nextId}`
    this.#nextId++
    if (this.#rules.some((r) => r.state.id === id)) throw new Error(`a fault rule with id ${id} already exists`)
    const state: FaultState = { ...rule, id, matched: 0, fired: 0 }
    const method = rule.method === undefined || rule.method === '*' ? null : rule.method.toUpperCase()
    this.#rules.push({ state, method, path: pathPattern(rule.path) })
    return state
  }

  remove(id: string): boolean {
    const before = this.#rules.length
    this.#rules = this.#rules.filter((r) => r.state.id !== id)
    return this.#rules.length < before
  }

  clear(): void {
    this.#rules = []
  }

  get size(): number {
    return this.#rules.length
  }

  list(): FaultState[] {
    return this.#rules.map((r) => ({ ...r.state }))
  }

  /** The rule that fires for this request, if any; counts the match either way. */
  fire(method: string, path: string, header: (name: string) => string | undefined): FaultState | null {
    for (const rule of this.#rules) {
      const s = rule.state
      if (rule.method !== null && rule.method !== method) continue
      if (!rule.path.test(path)) continue
      if (s.header) {
        const value = header(s.header.name.toLowerCase())
        if (value === undefined || (s.header.value !== undefined && value !== s.header.value)) continue
      }
      const matchIndex = s.matched++
      if (s.times !== undefined && s.fired >= s.times) continue
      if (s.probability !== undefined && unit(this.seed, `${s.id}:${matchIndex}`) >= s.probability) continue
      s.fired++
      return s
    }
    return null
  }
}

/** What a rule lacks to be usable, or null: it must do something. */
export function faultRuleProblem(rule: FaultRule): string | null {
  if (rule.status === undefined && rule.delay_ms === undefined && rule.connection === undefined) {
    return 'a fault that does something: status, delay_ms or connection'
  }
  if (rule.connection !== undefined && rule.status !== undefined) return 'either status or connection, not both'
  if (rule.retry_after !== undefined && rule.status === undefined) return 'retry_after only with a status'
  return null
}
