import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { FeatureFlags, type FeatureFlagsConfig } from '../../src/flags/feature-flags.js'
import type { ExposureEvent } from '../../src/flags/exposure.js'
import { propertiesForCapture } from '../../src/flags/feature-flags-client.js'

let server: TestServer
/** Remote evaluation requests only (not `/flags/definitions`). */
const flagsRequests = () => server.requests.filter((r) => r.path === '/flags/')
const services: FeatureFlags[] = []
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()))
  await server.close()
})

interface Harness {
  flags: FeatureFlags
  events: ExposureEvent[]
  errors: Error[]
  warnings: string[]
}

function make(overrides: Partial<FeatureFlagsConfig> = {}): Harness {
  const events: ExposureEvent[] = []
  const errors: Error[] = []
  const warnings: string[] = []
  const flags = new FeatureFlags({
    projectToken: 'phc_test',
    host: server.url,
    fetch: (url, init) => fetch(url, init),
    userAgent: 'hoglet/test',
    logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    report: (e, level) => {
      errors.push(e)
      warnings.push(`${level}: ${e.message}`)
    },
    capture: (e) => events.push(e),
    sha1Hex: (s) => createHash('sha1').update(s).digest('hex'),
    secretKey: undefined,
    enableLocalEvaluation: true,
    pollIntervalMs: 60_000,
    definitionsTimeoutMs: 5_000,
    requestTimeoutMs: 3_000,
    maxRetries: 1,
    remoteConfigTimeoutMs: 3_000,
    strictLocalEvaluation: false,
    cacheProvider: undefined,
    sendFeatureFlagEvent: true,
    maxCacheSize: 50_000,
    evaluationContexts: undefined,
    disableGeoip: false,
    retryDelayMs: 10,
    ...overrides,
  })
  services.push(flags)
  return { flags, events, errors, warnings }
}

const remoteFlags = {
  flags: {
    'bool-on': { key: 'bool-on', enabled: true, variant: null, reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }, metadata: { id: 1, version: 2, payload: null } },
    'bool-off': { key: 'bool-off', enabled: false, variant: null, reason: { code: 'no_condition_match', condition_index: null, description: 'No matching condition set' }, metadata: { id: 2, version: 1, payload: null } },
    'multi': { key: 'multi', enabled: true, variant: 'test', reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }, metadata: { id: 3, version: 5, payload: '{"discount":20}', has_experiment: true } },
    'with-payload': { key: 'with-payload', enabled: true, variant: null, reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }, metadata: { id: 4, version: 1, payload: '[1,"two"]' } },
  },
  errorsWhileComputingFlags: false,
  requestId: 'req-42',
  evaluatedAt: 1_700_000_000_000,
}

/** Answers /flags with only the requested keys, like the real service. */
function serveRemote(): void {
  server.route('/flags/', (req) => {
    const keys: string[] | undefined = req.json?.flag_keys_to_evaluate
    const flags = Object.fromEntries(Object.entries(remoteFlags.flags).filter(([k]) => !keys || keys.includes(k)))
    return { body: { ...remoteFlags, flags } }
  })
}

const rollout = (pct = 100, properties: unknown[] = []) => ({ properties, rollout_percentage: pct })
const definitions = {
  flags: [
    { id: 11, key: 'local-bool', active: true, filters: { groups: [rollout()], payloads: { true: '{"local":true}' } } },
    { id: 12, key: 'local-multi', active: true, filters: { groups: [rollout()], multivariate: { variants: [{ key: 'control', rollout_percentage: 0 }, { key: 'test', rollout_percentage: 100 }] }, payloads: { test: '"test-payload"', control: '"control-payload"' } } },
    { id: 13, key: 'needs-plan', active: true, filters: { groups: [rollout(100, [{ key: 'plan', value: 'pro', operator: 'exact', type: 'person' }])] } },
    { id: 14, key: 'local-off', active: false, filters: { groups: [rollout()] } },
  ],
  group_type_mapping: { '0': 'company' },
  cohorts: {},
}

describe('flag API over remote evaluation', () => {
  it('returns values for boolean, multivariate, payload-carrying and missing flags, one request per call', async () => {
    serveRemote()
    const { flags } = make()
    expect(await flags.getFeatureFlag('bool-on', 'u1')).toBe(true)
    expect(await flags.getFeatureFlag('bool-off', 'u1')).toBe(false)
    expect(await flags.getFeatureFlag('multi', 'u1')).toBe('test')
    expect(await flags.getFeatureFlag('missing', 'u1')).toBeUndefined()
    expect(await flags.isFeatureEnabled('bool-on', 'u1')).toBe(true)
    expect(await flags.isFeatureEnabled('bool-off', 'u1')).toBe(false)
    expect(await flags.isFeatureEnabled('multi', 'u1')).toBe(true)
    expect(await flags.isFeatureEnabled('missing', 'u1')).toBeUndefined()
    expect(await flags.getFeatureFlagPayload('multi', 'u1')).toEqual({ discount: 20 })
    expect(await flags.getFeatureFlagPayload('with-payload', 'u1')).toEqual([1, 'two'])
    expect(await flags.getFeatureFlagPayload('bool-on', 'u1')).toBeNull()
    expect(await flags.getFeatureFlagPayload('missing', 'u1')).toBeUndefined()
    expect(await flags.getFeatureFlagResult('multi', 'u1')).toEqual({
      key: 'multi',
      enabled: true,
      variant: 'test',
      payload: { discount: 20 },
      reason: 'Matched condition set 1',
      reasonCode: 'condition_match',
    })
    expect(await flags.getFeatureFlagResult('missing', 'u1')).toBeUndefined()
    const reqs = flagsRequests()
    expect(reqs).toHaveLength(14)
    expect(reqs.map((r) => r.json.flag_keys_to_evaluate)).toEqual([
      ['bool-on'], ['bool-off'], ['multi'], ['missing'], ['bool-on'], ['bool-off'], ['multi'], ['missing'],
      ['multi'], ['with-payload'], ['bool-on'], ['missing'], ['multi'], ['missing'],
    ])
  })

  it('getAllFlags and getAllFlagsAndPayloads make one request (with the flagKeys filter) and send no exposures', async () => {
    serveRemote()
    const { flags, events } = make()
    expect(await flags.getAllFlags('u1')).toEqual({ 'bool-on': true, 'bool-off': false, multi: 'test', 'with-payload': true })
    expect(await flags.getAllFlagsAndPayloads('u1', { flagKeys: ['multi', 'bool-on'] })).toEqual({
      featureFlags: { multi: 'test', 'bool-on': true },
      featureFlagPayloads: { multi: { discount: 20 } },
    })
    const reqs = flagsRequests()
    expect(reqs).toHaveLength(2)
    expect(reqs[0]!.json.flag_keys_to_evaluate).toBeUndefined()
    expect(reqs[1]!.json.flag_keys_to_evaluate).toEqual(['multi', 'bool-on'])
    expect(events).toHaveLength(0)
  })

  it('sends person and group property overrides with $group_key filled in, and no distinct_id injected remotely', async () => {
    serveRemote()
    const { flags } = make()
    await flags.getFeatureFlag('bool-on', 'u1', {
      groups: { company: 'acme', team: 7 },
      personProperties: { plan: 'pro' },
      groupProperties: { company: { size: 'large' }, unrelated: { x: 1 } },
      disableGeoip: true,
    })
    expect(flagsRequests()[0]!.json).toEqual({
      token: 'phc_test',
      distinct_id: 'u1',
      groups: { company: 'acme', team: 7 },
      person_properties: { plan: 'pro' },
      group_properties: { company: { $group_key: 'acme', size: 'large' }, team: { $group_key: 7 } },
      geoip_disable: true,
      flag_keys_to_evaluate: ['bool-on'],
      evaluation_runtime: 'server',
    })
  })
})

describe('$feature_flag_called', () => {
  it('carries the remote evaluation details and is deduplicated per distinct id, flag and value', async () => {
    serveRemote()
    const { flags, events } = make()
    await flags.getFeatureFlag('multi', 'u1', { groups: { company: 'acme' } })
    await flags.getFeatureFlag('multi', 'u1', { groups: { company: 'acme' } })
    await flags.isFeatureEnabled('multi', 'u1', { groups: { company: 'acme' } })
    expect(events).toHaveLength(1)
    expect(events[0]).toEqual({
      distinctId: 'u1',
      event: '$feature_flag_called',
      groups: { company: 'acme' },
      disableGeoip: undefined,
      properties: {
        $feature_flag: 'multi',
        $feature_flag_response: 'test',
        locally_evaluated: false,
        '$feature/multi': 'test',
        $feature_flag_request_id: 'req-42',
        $feature_flag_evaluated_at: 1_700_000_000_000,
        $feature_flag_reason: 'Matched condition set 1',
        $feature_flag_id: 3,
        $feature_flag_version: 5,
        $feature_flag_has_experiment: true,
      },
    })
    await flags.getFeatureFlag('multi', 'u2')
    await flags.getFeatureFlag('bool-on', 'u1')
    expect(events.map((e) => [e.distinctId, e.properties.$feature_flag])).toEqual([['u1', 'multi'], ['u2', 'multi'], ['u1', 'bool-on']])
  })

  it('is not sent when sendFeatureFlagEvents is false, nor by getFeatureFlagPayload', async () => {
    serveRemote()
    const { flags, events } = make()
    await flags.getFeatureFlag('multi', 'u1', { sendFeatureFlagEvents: false })
    await flags.getFeatureFlagPayload('multi', 'u1')
    expect(events).toHaveLength(0)
    const off = make({ sendFeatureFlagEvent: false })
    await off.flags.isFeatureEnabled('multi', 'u1')
    expect(off.events).toHaveLength(0)
  })

  it('records flag_missing and errors_while_computing_flags', async () => {
    server.route('/flags/', { body: { flags: {}, errorsWhileComputingFlags: true, requestId: 'r' } })
    const { flags, events } = make()
    expect(await flags.getFeatureFlag('gone', 'u1')).toBeUndefined()
    expect(events[0]!.properties).toMatchObject({ $feature_flag_error: 'errors_while_computing_flags,flag_missing' })
    expect(events[0]!.properties).not.toHaveProperty('$feature_flag_response')
  })
})

describe('remote failures', () => {
  it.each([
    ['a timeout', { hang: true }, 'timeout'],
    ['a 500', { status: 500, body: 'boom' }, 'api_error_500'],
    ['a quota limit', { body: { flags: {}, quotaLimited: ['feature_flags'] } }, 'quota_limited'],
    ['a malformed body', { body: '<html>', headers: { 'content-type': 'text/html' } }, 'unknown_error'],
  ] as const)('%s gives undefined, $feature_flag_error and an onError report', async (_name, canned, code) => {
    server.route('/flags/', canned)
    const { flags, events, errors, warnings } = make({ requestTimeoutMs: 300 })
    expect(await flags.getFeatureFlag('multi', 'u1')).toBeUndefined()
    expect(await flags.getAllFlags('u1')).toEqual({})
    expect(events).toHaveLength(1)
    expect(events[0]!.properties.$feature_flag_error).toBe(code)
    expect(errors).toHaveLength(2)
    expect(warnings.length).toBeGreaterThanOrEqual(2)
  })

  it('a refused connection gives connection_error', async () => {
    const closed = await createTestServer()
    const host = closed.url
    await closed.close()
    const { flags, events } = make({ host, maxRetries: 0 })
    expect(await flags.isFeatureEnabled('x', 'u1')).toBeUndefined()
    expect(events[0]!.properties.$feature_flag_error).toBe('connection_error')
  })
})

describe('remote config payload', () => {
  it('fetches with Bearer auth and decodes a double-encoded payload', async () => {
    server.route('/api/projects/@current/feature_flags/', { body: JSON.stringify(JSON.stringify({ theme: 'dark' })), headers: { 'content-type': 'application/json' } })
    server.route('/flags/definitions', { body: { flags: [], group_type_mapping: {}, cohorts: {} } })
    const { flags } = make({ secretKey: 'phs_secret', enableLocalEvaluation: false })
    expect(await flags.getRemoteConfigPayload('my flag')).toEqual({ theme: 'dark' })
    const [req] = server.requestsTo('/api/projects/@current/feature_flags/')
    expect(req!.path).toBe('/api/projects/@current/feature_flags/my%20flag/remote_config')
    expect(req!.query.get('token')).toBe('phc_test')
    expect(req!.headers.authorization).toBe('Bearer phs_secret')
    expect(server.requestsTo('/flags/definitions')).toHaveLength(0)
  })

  it('resolves undefined and reports when there is no secret key or the server refuses', async () => {
    server.route('/api/projects/@current/feature_flags/', { status: 404, body: 'no' })
    const none = make()
    expect(await none.flags.getRemoteConfigPayload('f')).toBeUndefined()
    expect(none.errors[0]!.message).toContain('secretKey')
    expect(server.requestsTo('/api/')).toHaveLength(0)
    const refused = make({ secretKey: 'phs_x', enableLocalEvaluation: false })
    expect(await refused.flags.getRemoteConfigPayload('f')).toBeUndefined()
    expect(refused.errors).toHaveLength(1)
  })
})

describe('local evaluation first, remote fallback', () => {
  function local(overrides: Partial<FeatureFlagsConfig> = {}): Harness {
    server.route('/flags/definitions', { body: definitions })
    serveRemote()
    return make({ secretKey: 'phs_secret', ...overrides })
  }

  it('answers locally with no /flags request and marks exposures locally_evaluated', async () => {
    const { flags, events } = local()
    expect(await flags.waitForLocalEvaluationReady(10_000)).toBe(true)
    expect(await flags.getFeatureFlag('local-bool', 'u1')).toBe(true)
    expect(await flags.getFeatureFlag('local-multi', 'u1')).toBe('test')
    expect(await flags.getFeatureFlag('local-off', 'u1')).toBe(false)
    expect(await flags.getFeatureFlagPayload('local-multi', 'u1')).toBe('test-payload')
    expect(await flags.getFeatureFlagPayload('local-multi', 'u1', 'control')).toBe('control-payload')
    expect(await flags.getFeatureFlagPayload('local-bool', 'u1')).toEqual({ local: true })
    expect(await flags.getFeatureFlag('needs-plan', 'u1', { personProperties: { plan: 'pro' } })).toBe(true)
    expect(flagsRequests()).toHaveLength(0)
    expect(events[0]!.properties).toMatchObject({ $feature_flag: 'local-bool', $feature_flag_response: true, locally_evaluated: true, $feature_flag_id: 11 })
    expect(events[0]!.properties).not.toHaveProperty('$feature_flag_payload') // posthog-node sends no payload
    expect(events[0]!.properties.$feature_flag_request_id).toBeUndefined()
    // Asking again gives the same value and no second exposure.
    const before = events.length
    expect(await flags.getFeatureFlag('local-bool', 'u1')).toBe(true)
    expect(await flags.isFeatureEnabled('local-bool', 'u1')).toBe(true)
    expect(events).toHaveLength(before)
    // The synchronous all-flags answer matches the full path.
    const subject = { personProperties: { plan: 'pro' } }
    expect(await flags.getAllFlags('u1', subject)).toEqual((await flags.getAllFlagsAndPayloads('u1', subject)).featureFlags)
    expect(await flags.getAllFlags('u1', subject)).toEqual({ 'local-bool': true, 'local-multi': 'test', 'needs-plan': true, 'local-off': false })
    expect(flagsRequests()).toHaveLength(0)
  })

  it('falls back to one remote request for an inconclusive flag and marks it not locally evaluated', async () => {
    const { flags, events } = local()
    await flags.waitForLocalEvaluationReady(10_000)
    // `plan` is not given, so only the server can decide; the server does not know the flag either.
    expect(await flags.getFeatureFlag('needs-plan', 'u1')).toBeUndefined()
    expect(await flags.getFeatureFlag('multi', 'u1')).toBe('test')
    const reqs = flagsRequests()
    expect(reqs.map((r) => r.json.flag_keys_to_evaluate)).toEqual([['needs-plan'], ['multi']])
    expect(events.map((e) => [e.properties.$feature_flag, e.properties.locally_evaluated, e.properties.$feature_flag_error])).toEqual([
      ['needs-plan', false, 'flag_missing'],
      ['multi', false, undefined],
    ])
  })

  it('onlyEvaluateLocally and strictLocalEvaluation give undefined without asking the server', async () => {
    const { flags } = local()
    await flags.waitForLocalEvaluationReady(10_000)
    expect(await flags.getFeatureFlag('needs-plan', 'u1', { onlyEvaluateLocally: true })).toBeUndefined()
    expect(await flags.getFeatureFlag('multi', 'u1', { onlyEvaluateLocally: true })).toBeUndefined()
    const strict = local({ strictLocalEvaluation: true })
    await strict.flags.waitForLocalEvaluationReady(10_000)
    expect(await strict.flags.isFeatureEnabled('needs-plan', 'u1')).toBeUndefined()
    expect(await strict.flags.getAllFlags('u1')).toEqual({ 'local-bool': true, 'local-multi': 'test', 'local-off': false })
    expect(flagsRequests()).toHaveLength(0)
  })

  it('the first call waits for the initial definitions load instead of going remote', async () => {
    const { flags } = local()
    expect(await flags.getFeatureFlag('local-bool', 'u1')).toBe(true)
    expect(flagsRequests()).toHaveLength(0)
  })

  it('evaluateFlags evaluates locally and asks the server once (for what the caller asked, as posthog-node), keeping local answers', async () => {
    const { flags, events } = local()
    await flags.waitForLocalEvaluationReady(10_000)
    const snap = await flags.evaluateFlags('u1')
    const reqs = flagsRequests()
    expect(reqs).toHaveLength(1)
    expect(reqs[0]!.json.flag_keys_to_evaluate).toBeUndefined()
    // The remote answer fills in the keys local evaluation could not decide; local answers stay.
    expect(snap.keys.filter((k) => k.startsWith('local-')).sort()).toEqual(['local-bool', 'local-multi', 'local-off'])
    expect(snap.getFlag('local-multi')).toBe('test')
    expect(snap.isEnabled('local-off')).toBe(false)
    expect(events.map((e) => [e.properties.$feature_flag, e.properties.locally_evaluated, e.properties.$feature_flag_reason])).toEqual([
      ['local-multi', true, 'Evaluated locally'],
      ['local-off', true, 'Evaluated locally'],
    ])
    expect(snap.only(['local-bool', 'local-multi', 'local-off']).toEventProperties()).toEqual({ '$feature/local-bool': true, '$feature/local-multi': 'test', '$feature/local-off': false, $active_feature_flags: ['local-bool', 'local-multi'] })
    expect(flagsRequests()).toHaveLength(1)
  })

  it('evaluateFlags merges remote values for keys local evaluation could not decide', async () => {
    const { flags, events } = local()
    await flags.waitForLocalEvaluationReady(10_000)
    const snap = await flags.evaluateFlags('u1', { flagKeys: ['local-bool', 'multi'] })
    expect(flagsRequests()[0]!.json.flag_keys_to_evaluate).toEqual(['local-bool', 'multi'])
    expect(snap.getFlag('local-bool')).toBe(true)
    expect(snap.getFlag('multi')).toBe('test')
    expect(events[1]!.properties).toMatchObject({ $feature_flag: 'multi', locally_evaluated: false, $feature_flag_request_id: 'req-42' })
  })

  it('targets distinct_id and group flags locally without copying properties in', async () => {
    server.route('/flags/definitions', {
      body: {
        flags: [
          { id: 41, key: 'only-u1', active: true, filters: { groups: [rollout(100, [{ key: 'distinct_id', value: 'u1', operator: 'exact', type: 'person' }])] } },
          { id: 42, key: 'big-companies', active: true, filters: { aggregation_group_type_index: 0, groups: [{ properties: [{ key: 'size', value: 100, operator: 'gt', type: 'group', group_type_index: 0 }], rollout_percentage: 100 }] } },
        ],
        group_type_mapping: { '0': 'company' },
        cohorts: {},
      },
    })
    const { flags } = make({ secretKey: 'phs_secret', strictLocalEvaluation: true })
    await flags.waitForLocalEvaluationReady(10_000)
    expect(await flags.getFeatureFlag('only-u1', 'u1')).toBe(true)
    expect(await flags.getFeatureFlag('only-u1', 'u2')).toBe(false)
    const person = { plan: 'pro' }
    expect(await flags.getFeatureFlag('only-u1', 'u2', { personProperties: person })).toBe(false)
    expect(person).toEqual({ plan: 'pro' })
    expect(await flags.getFeatureFlag('big-companies', 'u1', { groups: { company: 'acme' }, groupProperties: { company: { size: 250 } } })).toBe(true)
    expect(await flags.getFeatureFlag('big-companies', 'u1', { groups: { company: 'tiny' }, groupProperties: { company: { size: 5 } } })).toBe(false)
    // Not in a company group at all: false, decided locally.
    expect(await flags.getFeatureFlag('big-companies', 'u1')).toBe(false)
    expect(flagsRequests()).toHaveLength(0)
  })

  it('overrideFeatureFlags wins over local and remote evaluation', async () => {
    const { flags } = local()
    await flags.waitForLocalEvaluationReady(10_000)
    flags.overrideFeatureFlags({ flags: { 'local-bool': false, extra: 'v2' }, payloads: { extra: { a: 1 } } })
    expect(await flags.getFeatureFlag('local-bool', 'u1')).toBe(false)
    expect(await flags.getFeatureFlag('extra', 'u1')).toBe('v2')
    expect(await flags.getFeatureFlagPayload('extra', 'u1')).toEqual({ a: 1 })
    expect((await flags.getAllFlags('u1', { onlyEvaluateLocally: true }))).toMatchObject({ 'local-bool': false, extra: 'v2' })
    flags.overrideFeatureFlags(false)
    expect(await flags.getFeatureFlag('local-bool', 'u1')).toBe(true)
    expect(flagsRequests()).toHaveLength(0)
  })

  it('sendFeatureFlags on capture uses local values when definitions are loaded, else one remote call', async () => {
    const { flags } = local()
    await flags.waitForLocalEvaluationReady(10_000)
    expect(await propertiesForCapture(flags, 'u1', undefined, true)).toEqual({
      '$feature/local-bool': true,
      '$feature/local-multi': 'test',
      '$feature/local-off': false,
      $active_feature_flags: ['local-bool', 'local-multi'],
    })
    expect(flagsRequests()).toHaveLength(0)
    const remoteOnly = make()
    expect(await propertiesForCapture(remoteOnly.flags, 'u1', undefined, { flagKeys: ['multi', 'bool-off'] })).toEqual({ '$feature/multi': 'test', '$feature/bool-off': false, $active_feature_flags: ['multi'] })
    expect(flagsRequests()).toHaveLength(1)
  })
})
