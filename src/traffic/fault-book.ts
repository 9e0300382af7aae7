import { MAX_FAULT_RULES, type Delay, type FaultRule } from '../schemas/faults.js'
import { hashSeed, mix32 } from '../ids.js'

export { MAX_FAULT_PATTERN, MAX_FAULT_RULES } from '../schemas/faults.js'

export interface FaultState extends FaultRule {
  id: string
  matched: number
  fired: number
}

/** A rule the book refuses, with the JSON pointer (relative to the rule list) of its fault. */
export class FaultRuleError extends Error {
  constructor(
    readonly pointer: string,
    readonly expected: string
  ) {
    super(`expected ${expected}`)
    this.name = 'FaultRuleError'
  }
}

export interface PathMatcher {
  test(path: string): boolean
}

interface CompiledRule {
  state: FaultState
  /** Position in the book: the first rule (lowest order) that fires answers. */
  order: number
  method: string | null
  /** Null for a pattern without wildcards: such rules are found by exact path. */
  glob: PathMatcher | null
}

const STAR = -1 // any run of characters but `/`
const GLOBSTAR = -2 // any run of characters

/**
 * `*` is one path segment (any run of characters but `/`), `**` anything; everything else
 * is literal. Compiled to a matcher without backtracking: the literal head and tail are
 * compared first (so a rule for another path costs a `startsWith`), the rest runs as a set
 * of states over the path's characters — O(n·m) at worst for a path of n characters and a
 * glob of m, never exponential.
 */
export function pathPattern(glob: string): PathMatcher {
  const firstStar = glob.indexOf('*')
  if (firstStar === -1) return { test: (path) => path === glob }
  const head = glob.slice(0, firstStar)
  const tail = glob.slice(glob.lastIndexOf('*') + 1)
  const middle = glob.slice(firstStar, glob.length - tail.length)
  // Tokens of the middle (it starts and ends with a star): char codes, STAR, GLOBSTAR.
  const tokens: number[] = []
  for (const part of middle.split(/(\*+)/)) {
    if (part === '') continue
    if (part.startsWith('*')) tokens.push(part.length >= 2 ? GLOBSTAR : STAR)
    else for (let i = 0; i < part.length; i++) tokens.push(part.charCodeAt(i))
  }
  const m = tokens.length
  const seen = new Uint32Array(m + 1)
  let generation = 0
  let current = new Int32Array(m + 1)
  let next = new Int32Array(m + 1)
  return {
    test(path) {
      const end = path.length - tail.length
      if (end < head.length || !path.startsWith(head) || !path.endsWith(tail)) return false
      // States: i = the first i tokens are matched. A star may match nothing: i → i + 1.
      let count = 0
      const add = (list: Int32Array, n: number, i: number): number => {
        while (seen[i] !== generation) {
          seen[i] = generation
          list[n++] = i
          if (i === m || tokens[i]! >= 0) break
          i++
        }
        return n
      }
      if (++generation === 0xffffffff) (seen.fill(0), (generation = 1))
      count = add(current, 0, 0)
      for (let p = head.length; p < end && count > 0; p++) {
        const ch = path.charCodeAt(p)
        if (++generation === 0xffffffff) (seen.fill(0), (generation = 1))
        let n = 0
        for (let k = 0; k < count; k++) {
          const i = current[k]!
          if (i === m) continue
          const token = tokens[i]!
          if (token === GLOBSTAR || (token === STAR && ch !== 47)) n = add(next, n, i)
          else if (token === ch) n = add(next, n, i + 1)
        }
        ;[current, next] = [next, current]
        count = n
      }
      for (let k = 0; k < count; k++) if (current[k] === m) return true
      return false
    }
  }
}


/**
 * A uniform number in [0, 1) that follows from the seed and the key alone. The string hash
 * is mixed, so keys that differ only in their last character draw unrelated numbers.
 */
function unit(seed: number, key: string): number {
  return mix32(hashSeed(seed, key)) / 2 ** 32
}

/** The n-th draw of stream `salt` of a rule: independent across n, rules and seeds. */
function draw(seed: number, ruleHash: number, n: number, salt: number): number {
  return mix32(mix32(ruleHash ^ Math.imul(salt, 0x9e3779b9)) ^ mix32((seed >>> 0) + Math.imul(n, 0x85ebca77))) / 2 ** 32
}

/** The delay a rule adds to one request, drawn from its (seeded) distribution. */
export function sampleDelay(delay: Delay, seed: number, key: string): number {
  return delayFrom(delay, () => unit(seed, `${key}:a`), () => unit(seed, `${key}:b`))
}

function delayFrom(delay: Delay, u: () => number, v: () => number): number {
  if (typeof delay === 'number') return delay
  if ('min' in delay) {
    const low = Math.min(delay.min, delay.max)
    // Every integer of [low, high] alike.
    return Math.min(low + Math.floor(u() * (Math.abs(delay.max - delay.min) + 1)), Math.max(delay.min, delay.max))
  }
  // Box–Muller from two seeded uniforms: exp(ln(median) + sigma * N(0,1)).
  const u1 = Math.max(u(), Number.EPSILON)
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * v())
  return Math.min(Math.round(delay.median * Math.exp(delay.sigma * normal)), 600_000)
}

/**
 * The fault rules in force, in order. The first rule that matches a request and fires
 * answers it. Whether a probability rule fires, and how long a delay lasts, depends only
 * on the seed, the rule id and how many requests it has matched — so the same requests
 * fire the same faults every run.
 *
 * Rules are indexed so those that cannot match a path cost it nothing: rules without
 * wildcards by their exact path, wildcard rules by the directory their literal head names
 * (`/api/v2/batches/` for `/api/v2/batches/*`), looked up for each `/`-prefix of the path.
 */
export class FaultBook {
  #rules: CompiledRule[] = []
  readonly #byId = new Map<string, CompiledRule>()
  #exact = new Map<string, CompiledRule[]>()
  #globs = new Map<string, CompiledRule[]>()
  /**
   * The longest key of #globs: a path's prefixes past it are in no bucket, so the walk over its
   * slashes stops there. Without it, a hostile 16 KiB path of slashes cost ~180 ms of CPU (each
   * prefix hashed whole: quadratic) whenever a glob rule was in force.
   */
  #globKeyMax = 0
  #nextAuto = 1
  #order = 0

  /** Throws FaultRuleError (pointer `/faults…`-relative: `/<index>/id`, `` for too many) for a list it refuses. */
  constructor(
    readonly seed: number,
    rules: readonly FaultRule[] = []
  ) {
    if (rules.length > MAX_FAULT_RULES) throw new FaultRuleError('', `at most ${MAX_FAULT_RULES} fault rules, got ${rules.length}`)
    // Explicit ids first, so automatic ones skip them wherever they come in the list.
    const explicit = new Set<string>()
    rules.forEach((rule, i) => {
      if (rule.id === undefined) return
      if (explicit.has(rule.id)) throw new FaultRuleError(`/${i}/id`, `a fault id used once, but ${rule.id} is already taken`)
      explicit.add(rule.id)
    })
    for (const rule of rules) this.#insert(rule, rule.id ?? this.#autoId(explicit))
  }

  #autoId(reserved: ReadonlySet<string> = new Set()): string {
    let id: string
    do id = `fault-${this.#nextAuto++}`
    while (this.#byId.has(id) || reserved.has(id))
    return id
  }

  has(id: string): boolean {
    return this.#byId.has(id)
  }

  /** Adds a rule at the end; throws FaultRuleError for a taken id or a full book. */
  add(rule: FaultRule): FaultState {
    if (this.#rules.length >= MAX_FAULT_RULES) throw new FaultRuleError('', `at most ${MAX_FAULT_RULES} fault rules in force; delete some first`)
    if (rule.id !== undefined && this.#byId.has(rule.id)) throw new FaultRuleError('/id', `a fault id used once, but ${rule.id} is already taken`)
    return { ...this.#insert(rule, rule.id ?? this.#autoId()) }
  }

  #insert(rule: FaultRule, id: string): FaultState {
    const state: FaultState = { ...rule, id, matched: 0, fired: 0 }
    const method = rule.method === undefined || rule.method === '*' ? null : rule.method.toUpperCase()
    const compiled: CompiledRule = { state, order: this.#order++, method, glob: rule.path.includes('*') ? pathPattern(rule.path) : null }
    this.#rules.push(compiled)
    this.#byId.set(id, compiled)
    this.#index(compiled)
    return state
  }

  #index(rule: CompiledRule): void {
    const path = rule.state.path
    const star = path.indexOf('*')
    const [index, key] = star === -1 ? [this.#exact, path] : [this.#globs, path.slice(0, path.lastIndexOf('/', star) + 1)]
    if (index === this.#globs) this.#globKeyMax = Math.max(this.#globKeyMax, key.length)
    const bucket = index.get(key)
    if (bucket) bucket.push(rule)
    else index.set(key, [rule])
  }

  remove(id: string): boolean {
    if (!this.#byId.delete(id)) return false
    this.#rules = this.#rules.filter((r) => r.state.id !== id)
    this.#exact = new Map()
    this.#globs = new Map()
    this.#globKeyMax = 0
    for (const rule of this.#rules) this.#index(rule)
    return true
  }

  clear(): void {
    this.#rules = []
    this.#byId.clear()
    this.#exact = new Map()
    this.#globs = new Map()
    this.#globKeyMax = 0
  }

  get size(): number {
    return this.#rules.length
  }

  list(): FaultState[] {
    return this.#rules.map((r) => ({ ...r.state }))
  }

  /** The rule that fires for this request, if any; counts the match either way. */
  fire(method: string, path: string, header: (name: string) => string | undefined): FaultState | null {
    let first: readonly CompiledRule[] | undefined = this.#exact.get(path)
    let more: (readonly CompiledRule[])[] | undefined
    if (this.#globs.size > 0) {
      for (let i = path.indexOf('/'); i !== -1 && i < this.#globKeyMax; i = path.indexOf('/', i + 1)) {
        const bucket = this.#globs.get(path.slice(0, i + 1))
        if (bucket === undefined) continue
        if (first === undefined) first = bucket
        else (more ??= [first]).push(bucket)
      }
    }
    if (first === undefined) return null
    // Candidates from several buckets go back into book order.
    const candidates = more === undefined ? first : more.flat().sort((a, b) => a.order - b.order)
    for (const rule of candidates) {
      const s = rule.state
      if (rule.method !== null && rule.method !== method) continue
      if (rule.glob !== null && !rule.glob.test(path)) continue
      if (s.header) {
        const value = header(s.header.name.toLowerCase())
        if (value === undefined || (s.header.value !== undefined && value !== s.header.value)) continue
      }
      const matchIndex = s.matched++
      if (s.times !== undefined && s.fired >= s.times) continue
      if (s.probability !== undefined && draw(this.seed, hashSeed(0, s.id), matchIndex, 1) >= s.probability) continue
      s.fired++
      return s
    }
    return null
  }

  /**
   * Whether some rule's path matches this path (whatever its method and header): when none does,
   * `fire` for it finds no candidate, so it counts nothing and fires nothing. Changes nothing.
   */
  mayMatch(path: string): boolean {
    const exact = this.#exact.get(path)
    if (exact !== undefined && exact.length > 0) return true
    if (this.#globs.size === 0) return false
    for (let i = path.indexOf('/'); i !== -1 && i < this.#globKeyMax; i = path.indexOf('/', i + 1)) {
      const bucket = this.#globs.get(path.slice(0, i + 1))
      if (bucket !== undefined && bucket.some((rule) => rule.glob === null || rule.glob.test(path))) return true
    }
    return false
  }

  /** The delay `rule` adds to the request it just fired for (its matched-th). */
  delayFor(rule: FaultState): number {
    if (rule.delay_ms === undefined) return 0
    const ruleHash = hashSeed(0, rule.id)
    const n = rule.matched
    return delayFrom(rule.delay_ms, () => draw(this.seed, ruleHash, n, 2), () => draw(this.seed, ruleHash, n, 3))
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
