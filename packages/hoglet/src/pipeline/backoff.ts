/**
 * Delay before retry number `retry` (0 for the first retry): `base · 2^retry` with ±25 %
 * jitter, so successive delays still grow (1.5× at worst), capped at `max`. A `Retry-After`
 * the server sent is honoured as a floor, itself capped at `max`.
 */
export function retryDelayMs(retry: number, base: number, max: number, retryAfterMs: number | undefined, random = Math.random): number {
  const exponential = base * 2 ** Math.min(retry, 30) * (0.75 + random() * 0.5)
  const backoff = Math.min(exponential, max)
  return retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(retryAfterMs, max))
}

/** Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (!trimmed) return undefined
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** True for the statuses worth trying again: timeouts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}
