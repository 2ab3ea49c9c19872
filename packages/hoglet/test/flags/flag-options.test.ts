/**
 * The flag options whose meaning hoglet implements where posthog-node accepts them without
 * effect (or does not have them): staleFlagFallback, bootstrap, disableRemoteFeatureFlags,
 * preloadFeatureFlags, a cache provider without a key, and featureFlagsPollingInterval's values.
 */
import { describe, expect, it } from 'vitest'
import { receivedEvents, serverPerTest } from '../helpers/client.js'
import { InMemoryFlagDefinitionCache } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'

const { server, client } = serverPerTest({ featureFlagsRequestMaxRetries: 0 })

const flagsRequests = () => server.requests.filter((r) => r.path === '/flags/')
const definitionsRequests = () => server.requests.filter((r) => r.path.startsWith('/flags/definitions'))
const remoteAnswer = (variant: string) => ({
  body: { flags: { checkout: { key: 'checkout', enabled: true, variant, reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }, metadata: { id: 1, version: 1 } } }, requestId: 'r' },
})
const definitions = {
  flags: [{ id: 7, key: 'local-on', active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } }],
  group_type_mapping: {},
  cohorts: {},
}

describe('staleFlagFallback', () => {
  it('answers the last good value when /flags fails, only while it is young enough', async () => {
    const posthog = client({ staleFlagFallback: { maxAgeMs: 200 } })
    server.enqueue('/flags/', remoteAnswer('blue'), { status: 500, body: 'down' }, { status: 500, body: 'down' })
    expect(await posthog.getFeatureFlag('checkout', 'u1')).toBe('blue')
    expect(await posthog.getFeatureFlagResult('checkout', 'u1')).toMatchObject({ variant: 'blue', reason: 'Matched condition set 1' })
    await new Promise((resolve) => setTimeout(resolve, 250))
    server.route('/flags/', { status: 503, body: 'down' })
    expect(await posthog.getFeatureFlag('checkout', 'u1')).toBeUndefined()
    expect(await posthog.getFeatureFlag('checkout', 'someone-else')).toBeUndefined()
    await posthog.flush()
    const errors = receivedEvents(server).map((e) => e.properties.$feature_flag_error)
    expect(errors).toEqual([undefined, 'api_error_500', 'api_error_503'])
  })

  it('is off by default: a failed /flags answers undefined', async () => {
    const posthog = client()
    server.enqueue('/flags/', remoteAnswer('blue'), { status: 500, body: 'down' })
    expect(await posthog.getFeatureFlag('checkout', 'u1')).toBe('blue')
    expect(await posthog.getFeatureFlag('checkout', 'u1')).toBeUndefined()
  })
})

describe('bootstrap and disableRemoteFeatureFlags', () => {
  const bootstrap = { featureFlags: { checkout: 'green', beta: true }, featureFlagPayloads: { checkout: { steps: 3 } } }

  it('bootstrap answers when /flags fails, and only then', async () => {
    const posthog = client({ bootstrap })
    server.enqueue('/flags/', remoteAnswer('blue'), { status: 500, body: 'down' }, { status: 500, body: 'down' })
    expect(await posthog.getFeatureFlag('checkout', 'u1')).toBe('blue')
    expect(await posthog.getFeatureFlagResult('checkout', 'u1')).toEqual({ key: 'checkout', enabled: true, variant: 'green', payload: { steps: 3 }, reason: 'Bootstrapped' })
    expect(await posthog.getAllFlags('u1')).toEqual({ checkout: 'green', beta: true })
    expect(await posthog.getFeatureFlag('unknown', 'u1')).toBeUndefined()
  })

  it('disableRemoteFeatureFlags: no /flags request from any method; local definitions and bootstrap answer', async () => {
    server.route('/flags/definitions', { body: definitions })
    server.route('/flags/', remoteAnswer('blue'))
    const posthog = client({ disableRemoteFeatureFlags: true, secretKey: 'phs_key', bootstrap })
    await posthog.waitForLocalEvaluationReady(3000)
    expect(await posthog.getFeatureFlag('local-on', 'u1')).toBe(true)
    expect(await posthog.getFeatureFlag('checkout', 'u1')).toBe('green')
    expect(await posthog.getFeatureFlag('checkout', 'u1', { onlyEvaluateLocally: false })).toBe('green')
    expect(await posthog.getAllFlags('u1')).toEqual({ 'local-on': true, checkout: 'green', beta: true })
    const snap = await posthog.evaluateFlags('u1', { flagKeys: ['checkout', 'nope'] })
    expect(snap.getFlag('checkout')).toBe('green')
    posthog.capture({ distinctId: 'u1', event: 'e', sendFeatureFlags: true })
    await posthog.flush()
    expect(flagsRequests()).toHaveLength(0)
    expect(receivedEvents(server).find((e) => e.event === 'e')!.properties['$feature/local-on']).toBe(true)
  })
})

describe('preloadFeatureFlags and the cache-only reader', () => {
  it('preloadFeatureFlags: false loads definitions on the first flag call, then answers locally', async () => {
    server.route('/flags/definitions', { body: definitions })
    const posthog = client({ secretKey: 'phs_key', preloadFeatureFlags: false })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(definitionsRequests()).toHaveLength(0)
    expect(posthog.isLocalEvaluationReady()).toBe(false)
    expect(await posthog.getFeatureFlag('local-on', 'u1')).toBe(true)
    expect(definitionsRequests()).toHaveLength(1)
    expect(flagsRequests()).toHaveLength(0)
  })

  it('a cache provider without a secret key reads the shared definitions and never fetches them', async () => {
    const cache = new InMemoryFlagDefinitionCache()
    cache.onFlagDefinitionsReceived({ flags: definitions.flags, groupTypeMapping: {}, cohorts: {} })
    const posthog = client({ flagDefinitionCacheProvider: cache })
    const counts: number[] = []
    posthog.on('localEvaluationFlagsLoaded', (n: number) => counts.push(n))
    expect(await posthog.waitForLocalEvaluationReady(3000)).toBe(true)
    expect(await posthog.getFeatureFlag('local-on', 'u1')).toBe(true)
    expect(definitionsRequests()).toHaveLength(0)
    expect(flagsRequests()).toHaveLength(0)
    expect(counts).toEqual([1])
  })
})

describe('featureFlagsPollingInterval', () => {
  it('null: no polling once loaded, but a failed first load is retried until it loads', async () => {
    server.enqueue('/flags/definitions', { status: 500, body: 'down' })
    server.route('/flags/definitions', { body: definitions })
    const posthog = client({ secretKey: 'phs_key', featureFlagsPollingInterval: null })
    expect(await posthog.waitForLocalEvaluationReady(5000)).toBe(true)
    const afterLoad = definitionsRequests().length
    expect(afterLoad).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(definitionsRequests()).toHaveLength(afterLoad)
  })

  it('accepts every value posthog-node accepts: null, short intervals (raised to 100 ms), NaN and Infinity', () => {
    const interval = (v: unknown) => resolveOptions('phc_x', { featureFlagsPollingInterval: v as number }).featureFlagsPollingInterval
    expect(interval(undefined)).toBe(30_000)
    expect(interval(null)).toBeNull()
    expect(interval(50)).toBe(100)
    expect(interval(0)).toBe(100)
    expect(interval(-5)).toBe(100)
    expect(interval(1500.7)).toBe(1500)
    expect(interval(Number.NaN)).toBe(30_000)
    expect(interval(Number.POSITIVE_INFINITY)).toBeNull()
    expect(() => interval('30s')).toThrow(/featureFlagsPollingInterval/)
  })

  it('the flag options are validated at construction, naming the option', () => {
    expect(() => resolveOptions('phc_x', { bootstrap: { featureFlags: { a: 1 as never } } })).toThrow(/bootstrap\.featureFlags/)
    expect(() => resolveOptions('phc_x', { staleFlagFallback: { maxAgeMs: 0 } })).toThrow(/staleFlagFallback\.maxAgeMs/)
    expect(() => resolveOptions('phc_x', { evaluationEnvironments: 'web' as never })).toThrow(/evaluationEnvironments/)
    expect(resolveOptions('phc_x', { evaluationEnvironments: ['web'] }).evaluationContexts).toEqual(['web'])
    expect(resolveOptions('phc_x', { staleFlagFallback: true }).staleFlagFallback).toEqual({ maxAgeMs: 3_600_000, maxDistinctIds: 10_000 })
  })
})
