import { EventsDroppedError, type DropReason } from '../errors/events-dropped-error.js'
import { InvalidEventError } from '../errors/invalid-event-error.js'
import { utf8Length, type WireEvent } from '../event.js'
import type { Logger } from '../logger.js'
import type { Emitter } from './emitter.js'
import type { Counters } from './stats.js'

/** The `flush` event's payload: the delivered events, plus the endpoint and how many there were. */
export type FlushPayload = WireEvent[] & { path: string; count: number }

/** What `client.on(name, listener)` can listen to. */
export interface ClientEvents {
  /** An event was queued (or sent, for Immediate calls); the payload is the wire event. */
  capture: WireEvent
  /** An `identify()` event was queued; the payload is the wire event (as posthog-node). */
  identify: WireEvent
  /** An `alias()` event was queued; the payload is the wire event (as posthog-node). */
  alias: WireEvent
  /**
   * A request delivered events: the payload is the list of delivered wire events (posthog-node's
   * shape) that also carries `path` and `count`.
   */
  flush: FlushPayload
  /** Something went wrong; the same errors `onError` receives. */
  error: Error
  /** Events will never be delivered. */
  drop: { reason: DropReason; count: number; error: EventsDroppedError }
  /** A request failed and will be tried again after `delayMs`. */
  retry: { path: string; attempt: number; delayMs: number; error: Error }
  /** Flag definitions were loaded (from PostHog or the cache provider): the number of flags kept. */
  localEvaluationFlagsLoaded: number
  [key: string]: unknown
}

/**
 * The one place where refusals and drops are counted and reported: counter, logger,
 * `onError`, and the `drop` / `error` events. Nothing is dropped without passing through here.
 */
export class Reporter {
  readonly #counters: Counters
  readonly #emitter: Emitter<ClientEvents>
  readonly #logger: Logger
  readonly #onError: ((error: Error) => void) | undefined
  readonly #maxQueueSize: number
  #overflowBurst = 0

  constructor(params: { counters: Counters; emitter: Emitter<ClientEvents>; logger: Logger; onError: ((error: Error) => void) | undefined; maxQueueSize: number }) {
    this.#counters = params.counters
    this.#emitter = params.emitter
    this.#logger = params.logger
    this.#onError = params.onError
    this.#maxQueueSize = params.maxQueueSize
  }

  /** Events lost for good. */
  drop(reason: DropReason, count: number, message: string, cause?: unknown): void {
    this.#report(this.#counters.dropped, reason, count, message, cause)
  }

  /** A call refused as bad input; returns undefined so callers can `return reporter.refuse(...)`. */
  refuse(method: string, message: string): undefined {
    const error = new InvalidEventError(method, `${message}; the call was refused`)
    // onError and `error` listeners get the InvalidEventError, `drop` listeners its EventsDroppedError.
    this.#report(this.#counters.refused, 'invalid', 1, error.message, error, error)
    return undefined
  }

  /** An event `JSON.stringify` cannot serialise (circular, BigInt, a throwing getter); the call is refused. */
  refuseSerialisation(method: string, error: unknown): undefined {
    this.#report(this.#counters.refused, 'invalid', 1, `${method}(): the event cannot be serialised to JSON (${(error as Error)?.message ?? error}); the call was refused`, error)
    return undefined
  }

  /** An event over its lane's byte cap; the call is refused. */
  refuseTooLarge(method: string, json: string, maxEventBytes: number): undefined {
    this.#report(this.#counters.refused, 'too_large', 1, `${method}(): the event is ${utf8Length(json)} bytes, over the ${maxEventBytes}-byte cap; the call was refused`)
    return undefined
  }

  /**
   * Counts `count` events under `reason` in `counts` (`stats().dropped` or `.refused`), then
   * reports them: logger, `onError` and `error` listeners (`reported`, else the drop error), `drop`.
   */
  #report(counts: Record<string, number>, reason: DropReason, count: number, message: string, cause?: unknown, reported?: Error): void {
    counts[reason] += count
    const error = new EventsDroppedError(reason, count, message, cause === undefined ? undefined : { cause })
    this.#logger.warn((reported ?? error).message)
    this.error(reported ?? error)
    this.#emitter.emit('drop', { reason, count, error })
  }

  /** A drop the caller asked for (`beforeSend` returned null): counted and emitted, logged at info level only. */
  dropRequested(reason: DropReason, message: string): void {
    this.#counters.dropped[reason]++
    this.#logger.info(message)
    this.#emitQuietly(reason, message)
  }

  /** A `drop` event, its error made only when someone listens. */
  #emitQuietly(reason: DropReason, message: string): void {
    if (this.#emitter.has('drop')) this.#emitter.emit('drop', { reason, count: 1, error: new EventsDroppedError(reason, 1, message) })
  }

  /** The oldest queued event was dropped to make room: warn once per burst, count each. */
  overflow(): void {
    if (this.#overflowBurst++ === 0) {
      this.drop('queue_full', 1, `the queue is full (maxQueueSize ${this.#maxQueueSize}); dropping the oldest events until it drains`)
    } else {
      this.#counters.dropped.queue_full++
      this.#emitQuietly('queue_full', 'the queue is full')
    }
  }

  /** Called on every successful push; reports the burst total once room has returned. */
  pushed(): void {
    if (this.#overflowBurst === 0) return
    this.#logger.warn(`The queue has room again; ${this.#overflowBurst} event(s) were dropped while it was full.`)
    this.#overflowBurst = 0
  }

  /** Hands an error to `onError` and `error` listeners; a throwing callback is logged and ignored. */
  error(error: Error): void {
    if (this.#onError) {
      try {
        this.#onError(error)
      } catch (thrown) {
        this.#logger.error('The onError callback threw; it is ignored.', thrown)
      }
    }
    this.#emitter.emit('error', error)
  }
}
