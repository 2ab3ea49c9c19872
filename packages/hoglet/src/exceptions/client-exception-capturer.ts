import type { Logger } from '../logger.js'
import type { ResolvedOptions } from '../options.js'
import { uuidv7 } from '../uuid.js'
import { ExceptionCapturer } from './capture-exception.js'
import { ExceptionRateLimiter } from './rate-limiter.js'

/** What the client lends its exception capturer. */
export interface ClientExceptionParts {
  readonly config: ResolvedOptions
  readonly logger: Logger
  readonly sha1Hex: (input: string) => string
  /** The current context's distinct id, if any. */
  contextDistinctId(): string | undefined
  capture(message: { event: string; distinctId: string | undefined; properties: Record<string, unknown>; uuid?: string; flags?: unknown }): string | undefined
}

/**
 * The client's `ExceptionCapturer`: `$exception` events through `capture()`, personless when
 * nobody can be named, and one warning per exception type while the rate limiter skips it.
 */
export function createClientExceptionCapturer(parts: ClientExceptionParts): ExceptionCapturer {
  const { config, logger } = parts
  // Types already warned about; cleared whenever an exception gets through again.
  const rateLimitedTypes = new Set<string>()
  return new ExceptionCapturer({
    capture: (distinctId, properties, { uuid, flags }) => {
      rateLimitedTypes.clear()
      if (distinctId === undefined && parts.contextDistinctId() === undefined) {
        // Nobody to attribute it to: still worth sending, as a personless event.
        return parts.capture({ event: '$exception', distinctId: uuidv7(), properties: { ...properties, $process_person_profile: false }, uuid, flags })
      }
      return parts.capture({ event: '$exception', distinctId, properties, uuid, flags })
    },
    sha1Hex: parts.sha1Hex,
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
