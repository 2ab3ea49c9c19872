/**
 * The signal a timed-out `shutdown()` aborts (requests in flight, retry waits, late slow-path
 * events). The client stays usable after a shutdown (posthog-node's serverless pattern), so the
 * next shutdown starts from a fresh signal: `reset()` replaces an aborted one.
 */
export class Closing {
  #controller = new AbortController()

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  abort(): void {
    this.#controller.abort()
  }

  reset(): void {
    if (this.#controller.signal.aborted) this.#controller = new AbortController()
  }
}
