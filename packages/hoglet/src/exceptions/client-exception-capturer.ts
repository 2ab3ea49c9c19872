import type { Logger } from '../logger.js'
import type { ResolvedOptions } from '../options.js'
import { uuidv7 } from '../uuid.js'
import { ExceptionCapturer, type ExceptionEventMessage } from './capture-exception.js'
import type { StackFrame } from './stack-parser.js'
import { ExceptionRateLimiter } from './rate-limiter.js'

/** What the client lends its exception capturer (the client itself fits). */
export interface ClientExceptionParts {
  readonly config: ResolvedOptions
  readonly logger: Logger
  readonly runtime: { readonly refineFrames?: (frames: StackFrame[]) => void; readonly releaseId?: () => string | undefined }
  /** The current context, if any. */
  getContext(): { readonly distinctId?: string | number } | undefined
}

/**
 * The client's `ExceptionCapturer`: `$exception` events through `capture()`, personless when
 * nobody can be named, and one warning per exception type while the rate limiter skips it.
 */
export function createClientExceptionCapturer(parts: ClientExceptionParts, capture: (message: ExceptionEventMessage) => string | undefined): ExceptionCapturer {
  const { config, logger } = parts
  // Types already warned about; cleared whenever an exception gets through again.
  const rateLimitedTypes = new Set<string>()
  return new ExceptionCapturer({
    capture: (distinctId, properties, extras) => {
      rateLimitedTypes.clear()
      const message: ExceptionEventMessage = { event: '$exception', distinctId, properties }
      if (extras.uuid !== undefined) message.uuid = extras.uuid
      if (extras.flags !== undefined) message.flags = extras.flags
      if (distinctId === undefined && parts.getContext()?.distinctId === undefined) {
        // Nobody to attribute it to: still worth sending, as a personless event.
        message.distinctId = uuidv7()
        message.properties = { ...properties, $process_person_profile: false }
      }
      return (extras.deliver ?? capture)(message)
    },
    refineFrames: parts.runtime.refineFrames,
    releaseId: parts.runtime.releaseId,
    limiter: new ExceptionRateLimiter({
      bucketSize: config.exceptionRateLimiterBucketSize,
      refillRate: config.exceptionRateLimiterRefillRate,
    }),
    onDropped: (_reason, type) => {
      if (rateLimitedTypes.has(type)) return
      rateLimitedTypes.add(type)
      logger.warn(`Exception autocapture is rate-limiting ${type} (exceptionRateLimiterBucketSize ${config.exceptionRateLimiterBucketSize}); more are skipped until the bucket refills.`)
    },
  })
}
