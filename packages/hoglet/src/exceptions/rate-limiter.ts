export interface RateLimiterOptions {
  /** Tokens each key starts with and can hold. */
  bucketSize: number
  /** Tokens added back per `refillIntervalMs`. */
  refillRate: number
  /** @default 10000 */
  refillIntervalMs?: number
  /** Injectable clock for tests. @default Date.now */
  now?: () => number
}

interface Bucket {
  tokens: number
  refilledAt: number
}

/**
 * A token bucket per key (the exception type). As in PostHog's other SDKs, the call that
 * empties a bucket is itself limited: a full bucket of 10 lets 9 through in a burst, then one
 * more per refill. Buckets never hold more than `bucketSize`.
 */
export class ExceptionRateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #size: number
  readonly #rate: number
  readonly #interval: number
  readonly #now: () => number

  constructor(options: RateLimiterOptions) {
    this.#size = options.bucketSize
    this.#rate = options.refillRate
    this.#interval = options.refillIntervalMs ?? 10_000
    this.#now = options.now ?? Date.now
  }

  /** Takes a token for `key`; returns true when the caller must drop the event. */
  consume(key: string): boolean {
    const now = this.#now()
    let bucket = this.#buckets.get(key)
    if (!bucket) {
      bucket = { tokens: this.#size, refilledAt: now }
      this.#buckets.set(key, bucket)
    } else {
      const intervals = Math.floor((now - bucket.refilledAt) / this.#interval)
      if (intervals > 0) {
        bucket.tokens = Math.min(this.#size, bucket.tokens + intervals * this.#rate)
        bucket.refilledAt += intervals * this.#interval
      }
    }
    bucket.tokens = Math.max(0, bucket.tokens - 1)
    return bucket.tokens === 0
  }

  /** Forgets every bucket (on shutdown). */
  clear(): void {
    this.#buckets.clear()
  }
}
