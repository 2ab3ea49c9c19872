import { buildExceptionList, type ExceptionEntry } from './exception-list.js'
import type { ExceptionRateLimiter } from './rate-limiter.js'
import type { StackFrame } from './stack-parser.js'
import { injectedReleaseId } from './release-id.js'

export interface ExceptionCaptureDetails {
  /** @default true */
  handled?: boolean
  /** Mechanism type of the outermost entry, e.g. `middleware:express`. @default 'generic' */
  mechanismType?: string
  /** Apply the per-type rate limiter (automatic captures do; explicit calls don't). @default false */
  rateLimited?: boolean
  /** Stack of an error made at the call site, for thrown values without a stack of their own. */
  syntheticStack?: string
  /** The event's uuid (`captureException`'s `uuid` argument). */
  uuid?: string
  /** A flag evaluation snapshot for the event (`captureException`'s `flags` argument). */
  flags?: unknown
  /** Sends the built event another way than the queue (`captureExceptionImmediate`); returns its uuid. */
  deliver?: (message: ExceptionEventMessage) => string | undefined
}

/** The `$exception` capture message handed to the client. */
export interface ExceptionEventMessage {
  event: '$exception'
  distinctId: string | undefined
  properties: Record<string, unknown>
  uuid?: string
  flags?: unknown
}

/** What the event is made of besides its distinct id and properties. */
export type ExceptionEventExtras = Pick<ExceptionCaptureDetails, 'uuid' | 'flags' | 'deliver'>

export interface ExceptionCapturerDeps {
  /** Queues a `$exception` event with these properties; returns its uuid, or undefined if refused. */
  capture: (distinctId: string | undefined, properties: Record<string, unknown>, extras: ExceptionEventExtras) => string | undefined
  /** The runtime's frame completion (module, source lines, relative paths), where it has one. */
  refineFrames?: (frames: StackFrame[]) => void
  /** The environment's release id, if the runtime has one. */
  releaseId?: () => string | undefined
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
      syntheticStack: details.syntheticStack,
    })
    const type = list[0]?.type ?? 'Error'
    if (details.rateLimited && this.#deps.limiter.consume(type)) {
      this.#deps.onDropped?.('rate limited', type)
      return undefined
    }
    if (this.#deps.refineFrames) {
      for (const entry of list) if (entry.stacktrace) this.#deps.refineFrames(entry.stacktrace.frames)
    }
    const uuid = this.#deps.capture(distinctId, exceptionProperties(list, properties, this.#deps.releaseId?.() ?? injectedReleaseId()), { uuid: details.uuid, flags: details.flags, deliver: details.deliver })
    if (key && uuid) this.#captured.set(key, uuid)
    return uuid
  }

  /** The uuid of the event an error was already captured as, if any. */
  capturedAs(error: unknown): string | undefined {
    return error !== null && typeof error === 'object' ? this.#captured.get(error) : undefined
  }
}

/**
 * `$exception` properties as PostHog's SDKs send them: the list and level `error`. PostHog
 * groups issues itself; a `$exception_fingerprint` is sent only when the caller gives one.
 * Caller properties win.
 */
export function exceptionProperties(list: ExceptionEntry[], properties?: Record<string, unknown>, releaseId?: string): Record<string, unknown> {
  const built: Record<string, unknown> = { $exception_list: list, $exception_level: 'error', ...properties }
  if (releaseId) built.$release_id = releaseId
  return built
}
