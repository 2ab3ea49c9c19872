/**
 * The signal a timed-out `shutdown()` aborts (requests in flight, retry waits, late slow-path
 * events). The client stays usable after a shutdown (posthog-node's serverless pattern), so the
 * next shutdown starts from a fresh signal: `reset()` replaces an aborted one.
 */
export class Closing {
  // Made on first use: Node loads its AbortController on first construction, which would
  // otherwise cost every `new PostHog()` about half a millisecond.
  #controller: AbortController | undefined

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal
  }

  abort(): void {
    ;(this.#controller ??= new AbortController()).abort()
  }

  reset(): void {
    if (this.#controller?.signal.aborted) this.#controller = undefined
  }
}
