/**
 * A binary min-heap: push and pop in O(log n), the least element in O(1). `less` orders
 * the elements; ties pop in no particular order, so callers that need a stable order put
 * a sequence number in the key.
 */
export class MinHeap<T> {
  readonly #items: T[] = []

  constructor(readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length
  }

  peek(): T | undefined {
    return this.#items[0]
  }

  push(item: T): void {
    const items = this.#items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(items[i] as T, items[parent] as T)) break
      this.#swap(i, parent)
      i = parent
    }
  }

  pop(): T | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last !== undefined) {
      items[0] = last
      this.#siftDown(0)
    }
    return top
  }

  clear(): void {
    this.#items.length = 0
  }

  #siftDown(start: number): void {
    const items = this.#items
    let i = start
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let least = i
      if (left < items.length && this.less(items[left] as T, items[least] as T)) least = left
      if (right < items.length && this.less(items[right] as T, items[least] as T)) least = right
      if (least === i) return
      this.#swap(i, least)
      i = least
    }
  }

  #swap(a: number, b: number): void {
    const items = this.#items
    const t = items[a] as T
    items[a] = items[b] as T
    items[b] = t
  }
}
