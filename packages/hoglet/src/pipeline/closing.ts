/**
 * The signal a timed-out `shutdown()` aborts (requests in flight, retry waits, late slow-path
 * events). The client stays usable after a shutdown (posthog-node's serverless pattern), so the
 * next shutdown starts from a fresh signal: `reset()` replaces an aborted one.
 */
export class Closing {
  // Made on first use: Node loads its AbortController on first construction, which would
  // otherwise cost every `new PostHog()` about half a millisecond.
  #controller: AbortController | undefined
  readonly #prepare: ((signal: AbortSignal) => void) | undefined

  /** `prepare` sees each new signal first (Node lifts its listener-count warning there). */
  constructor(prepare?: (signal: AbortSignal) => void) {
    this.#prepare = prepare
  }

  get signal(): AbortSignal {
    return this.#current().signal
  }

  abort(): void {
    this.#current().abort()
  }

  #current(): AbortController {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      this.#prepare?.(this.#controller.signal)
    }
    return this.#controller
  }

  reset(): void {
    if (this.#controller?.signal.aborted) this.#controller = undefined
  }
}
