import { describe, expect, it } from 'vitest'
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './backoff.js'

describe('retryDelayMs', () => {
  it('doubles from the base with ±25 % jitter', () => {
    expect(retryDelayMs(0, 1000, 30_000, undefined, () => 0)).toBe(750)
    expect(retryDelayMs(0, 1000, 30_000, undefined, () => 1)).toBe(1250)
    expect(retryDelayMs(2, 1000, 30_000, undefined, () => 0.5)).toBe(4000)
  })

  it('is capped at the maximum, however many retries', () => {
    expect(retryDelayMs(10, 1000, 30_000, undefined, () => 0.5)).toBe(30_000)
    expect(retryDelayMs(1000, 1000, 30_000, undefined, () => 0.5)).toBe(30_000)
  })

  it('uses Retry-After as a floor, itself capped', () => {
    expect(retryDelayMs(0, 100, 30_000, 5000, () => 0.5)).toBe(5000)
    expect(retryDelayMs(5, 1000, 30_000, 10, () => 0.5)).toBe(30_000)
    expect(retryDelayMs(0, 100, 2000, 3_600_000, () => 0.5)).toBe(2000)
  })
})

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(' 1.5 ')).toBe(1500)
  })

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0)
  })

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})

describe('isRetryableStatus', () => {
  it('retries timeouts, rate limits and server errors only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true)
    expect([400, 401, 403, 404, 413, 422].some(isRetryableStatus)).toBe(false)
  })
})
