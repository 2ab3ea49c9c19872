import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { RemoteFlagsClient, type RemoteFlagsClientConfig } from '../../src/flags/remote.js'

let server: TestServer
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await server.close()
})

function client(overrides: Partial<RemoteFlagsClientConfig> = {}): RemoteFlagsClient {
  return new RemoteFlagsClient({
    host: server.url,
    projectToken: 'phc_test',
    fetch: (url, init) => fetch(url, init),
    userAgent: 'hoglet/test',
    timeoutMs: 3000,
    maxRetries: 1,
    retryDelayMs: 10,
    ...overrides,
  })
}

const v2Body = {
  flags: {
    'beta': { key: 'beta', enabled: true, variant: null, reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }, metadata: { id: 7, version: 3, payload: '{"color":"red"}', has_experiment: false } },
    'exp': { key: 'exp', enabled: true, variant: 'test', reason: { code: 'condition_match', condition_index: 1, description: 'Matched condition set 2' }, metadata: { id: 8, version: 1, payload: null } },
    'off': { key: 'off', enabled: false, variant: null, reason: { code: 'no_condition_match', condition_index: null, description: 'No matching condition set' }, metadata: { id: 9, version: 1 } },
  },
  errorsWhileComputingFlags: false,
  requestId: 'req-1',
  evaluatedAt: 1700000000000,
}

describe('remote /flags request', () => {
  it('posts to /flags/?v=2 with the token in the body, groups defaulting to {} and no Authorization header', async () => {
    server.route('/flags', { body: v2Body })
    const outcome = await client().evaluate({ distinctId: 'user-1', disableGeoip: false })
    expect(outcome.ok).toBe(true)
    const [req] = server.requestsTo('/flags')
    expect(server.requestsTo('/decide')).toHaveLength(0)
    expect(req!.method).toBe('POST')
    expect(req!.path).toBe('/flags/')
    expect(req!.query.get('v')).toBe('2')
    expect(req!.headers.authorization).toBeUndefined()
    expect(req!.headers['content-type']).toBe('application/json')
    expect(req!.json).toEqual({
      token: 'phc_test',
      distinct_id: 'user-1',
      groups: {},
      person_properties: {},
      group_properties: {},
      geoip_disable: false,
      evaluation_runtime: 'server',
    })
  })

  it('sends the single-key filter, the geoip flag, device id, overrides, evaluation contexts and the server runtime', async () => {
    server.route('/flags', { body: v2Body })
    await client({ evaluationContexts: ['web'] }).evaluate({
      distinctId: 'user-2',
      disableGeoip: true,
      flagKeys: ['beta'],
      groups: { company: 'acme' },
      personProperties: { plan: 'pro' },
      groupProperties: { company: { $group_key: 'acme', size: 10 } },
      deviceId: 'dev-1',
    })
    expect(server.requestsTo('/flags')[0]!.json).toEqual({
      token: 'phc_test',
      distinct_id: 'user-2',
      groups: { company: 'acme' },
      person_properties: { plan: 'pro' },
      group_properties: { company: { $group_key: 'acme', size: 10 } },
      geoip_disable: true,
      flag_keys_to_evaluate: ['beta'],
      $device_id: 'dev-1',
      evaluation_contexts: ['web'],
      evaluation_runtime: 'server',
    })
  })
})

describe('remote /flags response parsing', () => {
  it('parses the v2 shape: values, reasons, metadata and decoded payloads', async () => {
    server.route('/flags', { body: v2Body })
    const outcome = await client().evaluate({ distinctId: 'u', disableGeoip: true })
    if (!outcome.ok) throw new Error(outcome.error.message)
    const { response } = outcome
    expect(response.requestId).toBe('req-1')
    expect(response.evaluatedAt).toBe(1700000000000)
    expect(response.errorsWhileComputingFlags).toBe(false)
    expect(response.flags.get('beta')).toEqual({
      key: 'beta',
      enabled: true,
      variant: undefined,
      reason: { code: 'condition_match', conditionIndex: 0, description: 'Matched condition set 1' },
      id: 7,
      version: 3,
      rawPayload: '{"color":"red"}',
      payload: { color: 'red' },
      hasExperiment: false,
    })
    expect(response.flags.get('exp')!.variant).toBe('test')
    expect(response.flags.get('exp')!.payload).toBeUndefined()
    expect(response.flags.get('off')!.enabled).toBe(false)
  })

  it('accepts the legacy featureFlags / featureFlagPayloads shape', async () => {
    server.route('/flags', { body: { featureFlags: { a: true, b: 'control', c: false }, featureFlagPayloads: { a: '[1,2]', b: 'not json' }, errorsWhileComputingFlags: true } })
    const outcome = await client().evaluate({ distinctId: 'u', disableGeoip: true })
    if (!outcome.ok) throw new Error(outcome.error.message)
    const flags = outcome.response.flags
    expect(flags.get('a')).toMatchObject({ enabled: true, variant: undefined, payload: [1, 2] })
    expect(flags.get('b')).toMatchObject({ enabled: true, variant: 'control', payload: 'not json' })
    expect(flags.get('c')).toMatchObject({ enabled: false, variant: undefined, payload: undefined })
    expect(outcome.response.errorsWhileComputingFlags).toBe(true)
  })

  it('reports quota limiting and malformed bodies as errors', async () => {
    server.enqueue('/flags', { body: { flags: {}, quotaLimited: ['feature_flags'] } }, { body: 'oops', headers: { 'content-type': 'text/plain' } }, { body: { nothing: 1 } })
    const c = client()
    const quota = await c.evaluate({ distinctId: 'u', disableGeoip: true })
    const notJson = await c.evaluate({ distinctId: 'u', disableGeoip: true })
    const noFlags = await c.evaluate({ distinctId: 'u', disableGeoip: true })
    expect(quota.ok || quota.error.code).toBe('quota_limited')
    expect(notJson.ok || notJson.error.kind).toBe('malformed')
    expect(noFlags.ok || noFlags.error.kind).toBe('malformed')
    expect(server.requestsTo('/flags')).toHaveLength(3)
  })
})

describe('remote /flags retries and timeout', () => {
  it.each([502, 504])('retries once on %i and returns the retried answer', async (status) => {
    server.enqueue('/flags', { status, body: 'bad gateway' })
    server.route('/flags', { body: v2Body })
    const outcome = await client().evaluate({ distinctId: 'u', disableGeoip: true })
    expect(outcome.ok).toBe(true)
    expect(outcome.attempts).toBe(2)
    expect(server.requestsTo('/flags')).toHaveLength(2)
  })

  it.each([500, 400, 429, 503])('does not retry %i', async (status) => {
    server.route('/flags', { status, body: 'nope' })
    const outcome = await client().evaluate({ distinctId: 'u', disableGeoip: true })
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) expect(outcome.error.code).toBe(`api_error_${status}`)
    expect(server.requestsTo('/flags')).toHaveLength(1)
  })

  it('gives up after featureFlagsRequestMaxRetries retries on repeated 502s', async () => {
    server.route('/flags', { status: 502, body: 'bad gateway' })
    const outcome = await client({ maxRetries: 2 }).evaluate({ distinctId: 'u', disableGeoip: true })
    expect(outcome.ok || outcome.error.code).toBe('api_error_502')
    expect(server.requestsTo('/flags')).toHaveLength(3)
  })

  it('retries a reset connection as a connection error', async () => {
    server.enqueue('/flags', { reset: true })
    server.route('/flags', { body: v2Body })
    const outcome = await client().evaluate({ distinctId: 'u', disableGeoip: true })
    expect(outcome.ok).toBe(true)
    expect(server.requestsTo('/flags')).toHaveLength(2)
  })

  it('honours its own timeout and reports `timeout` without retrying', async () => {
    server.route('/flags', { hang: true })
    const started = Date.now()
    const outcome = await client({ timeoutMs: 200 }).evaluate({ distinctId: 'u', disableGeoip: true })
    const elapsed = Date.now() - started
    expect(outcome.ok || outcome.error.code).toBe('timeout')
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(10_000)
    expect(server.requestsTo('/flags')).toHaveLength(1)
  })

  it('reports a refused connection as connection_error', async () => {
    const closed = await createTestServer()
    const host = closed.url
    await closed.close()
    const outcome = await client({ host, maxRetries: 0 }).evaluate({ distinctId: 'u', disableGeoip: true })
    expect(outcome.ok || outcome.error.code).toBe('connection_error')
  })
})
