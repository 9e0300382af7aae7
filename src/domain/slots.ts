// Min-heaps of when the running cap's slots free, for src/domain/running-cap.ts.

/** Binary min-heap of slot end times; `untouched` slots were never used (free since forever). */
export class Ends {
  constructor(
    protected untouched: number,
    protected readonly heap: number[] = []
  ) {}

  /** When the earliest slot frees. */
  min(): number {
    return this.untouched > 0 ? -Infinity : (this.heap[0] as number)
  }

  /** The earliest slot is taken until `end`. */
  take(end: number): void {
    if (this.untouched > 0) {
      this.untouched--
      this.heap.push(end)
      this.up(this.heap.length - 1)
    } else {
      this.heap[0] = end
      this.down(0)
    }
  }

  copy(): Ends {
    return new Ends(this.untouched, [...this.heap])
  }

  protected swap(i: number, j: number): void {
    const a = this.heap[i] as number
    this.heap[i] = this.heap[j] as number
    this.heap[j] = a
  }

  protected up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((this.heap[parent] as number) <= (this.heap[i] as number)) return
      this.swap(i, parent)
      i = parent
    }
  }

  protected down(i: number): void {
    const n = this.heap.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && (this.heap[l] as number) < (this.heap[m] as number)) m = l
      if (r < n && (this.heap[r] as number) < (this.heap[m] as number)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}

/** The slots as history has filled them: each one's end, and which batch holds it. */
export class Slots extends Ends {
  readonly #holders: (string | null)[] = []
  readonly #index = new Map<string, number>()

  constructor(cap: number) {
    super(cap)
  }

  holds(id: string): boolean {
    return this.#index.has(id)
  }

  /** `id` takes the earliest slot until `end`; whoever held it before is done with it. */
  occupy(id: string, end: number): void {
    if (this.untouched === 0) this.#index.delete(this.#holders[0] as string)
    const i = this.untouched > 0 ? this.heap.length : 0
    this.#holders[i] = id
    this.#index.set(id, i)
    this.take(end)
  }

  /** The slot `id` holds now ends at `end`. */
  release(id: string, end: number): void {
    const i = this.#index.get(id)
    if (i === undefined) return
    this.heap[i] = end
    this.up(i)
    this.down(this.#index.get(id) as number)
  }

  protected override swap(i: number, j: number): void {
    super.swap(i, j)
    const a = this.#holders[i] as string
    this.#holders[i] = this.#holders[j] as string
    this.#holders[j] = a
    this.#index.set(this.#holders[i] as string, i)
    this.#index.set(a, j)
  }
}
