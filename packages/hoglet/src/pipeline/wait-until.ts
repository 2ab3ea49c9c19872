/** Hands a promise to the platform so the invocation lives until it settles. */
export type WaitUntilFn = (promise: Promise<unknown>) => void

interface Cycle {
  resolve: () => void
  startedAt: number
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * The `waitUntil` lifecycle of serverless and edge platforms. The first capture of a cycle hands
 * the platform one promise; each later capture pushes the flush back by `debounceMs`, never past
 * `maxWaitMs` from the cycle's start; the promise settles when that flush is done. A `flush()`
 * outside a cycle hands its own promise over. A `waitUntil` that throws (called outside a
 * request) leaves delivery to the usual timers.
 */
export class WaitUntilFlusher {
  readonly #waitUntil: WaitUntilFn
  readonly #debounceMs: number
  readonly #maxWaitMs: number
  readonly #flush: () => Promise<void>
  #cycle: Cycle | undefined

  constructor(waitUntil: WaitUntilFn, debounceMs: number, maxWaitMs: number, flush: () => Promise<void>) {
    this.#waitUntil = waitUntil
    this.#debounceMs = debounceMs
    this.#maxWaitMs = maxWaitMs
    this.#flush = flush
  }

  /** Something was queued (or will be, once its async preparation ends). */
  schedule(): void {
    let cycle = this.#cycle
    if (cycle === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      if (!this.#handOver(promise)) return
      cycle = this.#cycle = { resolve, startedAt: Date.now(), timer: undefined }
    }
    if (cycle.timer !== undefined) clearTimeout(cycle.timer)
    if (Date.now() - cycle.startedAt >= this.#maxWaitMs) {
      void this.#endCycle()
      return
    }
    // Not unref'd: at most `maxWaitMs` long, and a process awaiting the promise must see it settle.
    cycle.timer = setTimeout(() => void this.#endCycle(), this.#debounceMs)
  }

  /** An explicit flush: kept alive by the open cycle if there is one, else handed over itself. */
  cover(flushing: Promise<void>): void {
    if (this.#cycle === undefined) this.#handOver(flushing.catch(() => undefined))
  }

  /** Ends an open cycle now (shutdown): its promise settles once the flush it starts is done. */
  settle(): Promise<void> {
    return this.#cycle === undefined ? Promise.resolve() : this.#endCycle()
  }

  async #endCycle(): Promise<void> {
    const cycle = this.#cycle
    if (cycle === undefined) return
    this.#cycle = undefined
    if (cycle.timer !== undefined) clearTimeout(cycle.timer)
    try {
      await this.#flush()
    } catch {
      // The pipeline reports its own failures; the platform only needs to know it is over.
    } finally {
      cycle.resolve()
    }
  }

  #handOver(promise: Promise<unknown>): boolean {
    try {
      this.#waitUntil(promise)
      return true
    } catch {
      return false
    }
  }
}
