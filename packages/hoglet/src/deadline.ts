import { unrefTimer } from './timers.js'

/**
 * A request's time limit: an AbortSignal that fires after `ms`, and a record of whether it was
 * the deadline (rather than a network error or a shutdown) that ended the request.
 * The timer never keeps the process alive. A limit of 0 (or less) means none.
 */
export class Deadline {
  readonly #controller = new AbortController()
  readonly #timer: ReturnType<typeof setTimeout> | undefined
  #expired = false

  constructor(readonly ms: number) {
    this.#timer =
      ms > 0
        ? unrefTimer(
            setTimeout(() => {
              this.#expired = true
              this.#controller.abort()
            }, ms),
          )
        : undefined
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** True once the time limit has passed. */
  get expired(): boolean {
    return this.#expired
  }

  /** Ends the request early for another reason (a shutdown, say); `expired` stays false. */
  abort(): void {
    this.#controller.abort()
  }

  /** Call when the request has settled. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
  }
}
