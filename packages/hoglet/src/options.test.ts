import { describe, expect, it } from 'vitest'
import { DEFAULT_HOST, resolveOptions } from './options.js'
import { silentLogger } from './logger.js'
import type { WireEvent } from './event.js'

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    const o = resolveOptions('phc_x', { logger: silentLogger })
    expect(o).toMatchObject({
      host: DEFAULT_HOST,
      flushAt: 20,
      flushInterval: 5000,
      maxBatchSize: 100,
      maxQueueSize: 10_000,
      requestTimeout: 10_000,
      fetchRetryCount: 3,
      fetchRetryDelay: 1000,
      fetchRetryMaxDelay: 30_000,
      disableCompression: false,
      disableGeoip: true,
      historicalMigration: false,
      disabled: false,
      syncMode: false,
      flushOnExit: false,
      enableLocalEvaluation: true,
      featureFlagsPollingInterval: 30_000,
      featureFlagsRequestTimeoutMs: 3000,
      featureFlagsRequestMaxRetries: 1,
      sendFeatureFlagEvent: true,
      maxCacheSize: 50_000,
      enableExceptionAutocapture: false,
      exceptionRateLimiterBucketSize: 10,
      exceptionRateLimiterRefillRate: 1,
    })
    expect(Object.isFrozen(o)).toBe(true)
  })

  it('raises maxBatchSize to flushAt, trims the host and the keys', () => {
    const o = resolveOptions(' phc_x ', { logger: silentLogger, flushAt: 250, host: ' http://localhost:8010/ ', personalApiKey: ' phx_abc ' })
    expect(o.maxBatchSize).toBe(250)
    expect(o.host).toBe('http://localhost:8010')
    expect(o.apiKey).toBe('phc_x')
    expect(o.secretKey).toBe('phx_abc')
  })

  it('snapshots superProperties and beforeSend so later changes to the caller objects do not leak in', () => {
    const supers: Record<string, unknown> = { a: 1 }
    const hook = (e: WireEvent) => e
    const hooks = [hook]
    const o = resolveOptions('phc_x', { logger: silentLogger, superProperties: supers, beforeSend: hooks })
    supers.b = 2
    hooks.push(hook)
    expect(o.superProperties).toEqual({ a: 1 })
    expect(o.beforeSend).toHaveLength(1)
  })
})
