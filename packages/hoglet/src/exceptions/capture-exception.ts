import { buildExceptionList, type ExceptionEntry } from './exception-list.js'
import { computeFingerprint } from './fingerprint.js'
import type { ExceptionRateLimiter } from './rate-limiter.js'

export interface ExceptionCaptureDetails {
  /** @default true */
  handled?: boolean
  /** Mechanism type of the outermost entry, e.g. `middleware:express`. @default 'generic' */
  mechanismType?: string
  /** Apply the per-type rate limiter (automatic captures do; explicit calls don't). @default false */
  rateLimited?: boolean
  /** The event's uuid (posthog-node's `captureException(error, id, props, uuid)`). */
  uuid?: string
  /** A flag snapshot to attach (`capture({ flags })`). */
  flags?: unknown
}

export interface ExceptionCapturerDeps {
  /** Queues a `$exception` event with these properties; returns its uuid, or undefined if refused. */
  capture: (distinctId: string | undefined, properties: Record<string, unknown>, extra: { uuid?: string; flags?: unknown }) => string | undefined
  sha1Hex: (input: string) => string
  limiter: ExceptionRateLimiter
  /** Reports a skipped capture (rate limited). */
  onDropped?: (reason: string, type: string) => void
}

/**
 * Turns thrown values into `$exception` events. Remembers which error objects were already
 * captured (the middleware, the framework's error hook and autocapture may all see the same
 * error) and answers the first capture's uuid instead of sending a duplicate.
 */
export class ExceptionCapturer {
  readonly #captured = new WeakMap<object, string>()
  readonly #deps: ExceptionCapturerDeps

  constructor(deps: ExceptionCapturerDeps) {
    this.#deps = deps
  }

  capture(
    error: unknown,
    distinctId: string | undefined,
    properties: Record<string, unknown> | undefined,
    details: ExceptionCaptureDetails = {},
  ): string | undefined {
    const key = error !== null && typeof error === 'object' ? error : undefined
    const previous = key && this.#captured.get(key)
    if (previous) return previous

    const list = buildExceptionList(error, {
      handled: details.handled ?? true,
      mechanismType: details.mechanismType ?? 'generic',
    })
    const type = list[0]?.type ?? 'Error'
    if (details.rateLimited && this.#deps.limiter.consume(type)) {
      this.#deps.onDropped?.('rate limited', type)
      return undefined
    }
    const uuid = this.#deps.capture(distinctId, exceptionProperties(list, this.#deps.sha1Hex, properties), { uuid: details.uuid, flags: details.flags })
    if (key && uuid) this.#captured.set(key, uuid)
    return uuid
  }

  /** The uuid of the event an error was already captured as, if any. */
  capturedAs(error: unknown): string | undefined {
    return error !== null && typeof error === 'object' ? this.#captured.get(error) : undefined
  }
}

/** `$exception` properties; caller properties win (including a custom `$exception_fingerprint`). */
export function exceptionProperties(
  list: ExceptionEntry[],
  sha1Hex: (input: string) => string,
  properties?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    $exception_list: list,
    $exception_fingerprint: computeFingerprint(list, sha1Hex),
    $exception_level: list[0]?.mechanism.handled === false ? 'fatal' : 'error',
    ...properties,
  }
}
