import { runToExit } from '../helpers/child.js'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { receivedEvents, serverPerTest } from '../helpers/client.js'
import { InMemoryFlagDefinitionCache, type PostHog } from '../../src/index.js'
import { PostHog as EdgePostHog } from '../../src/edge.js'
import { silentLogger } from '../../src/logger.js'
import { compileFlags, evaluateAllFlags } from '../../src/engine/engine.js'

const { server, client } = serverPerTest()

const flagsRequests = () => server.requests.filter((r) => r.path === '/flags/')

const remoteBody = {
  flags: {
    checkout: { key: 'checkout', enabled: true, variant: 'new', reason: { code: 'condition_match', condition_index: 0, description: 'Matched condition set 1' }, metadata: { id: 21, version: 3, payload: '{"steps":2}' } },
    dark: { key: 'dark', enabled: false, variant: null, reason: { code: 'no_condition_match', condition_index: null, description: 'No matching condition set' }, metadata: { id: 22, version: 1 } },
  },
  errorsWhileComputingFlags: false,
  requestId: 'req-c',
  evaluatedAt: 1_700_000_000_123,
}

const definitions = {
  flags: [
    { id: 31, key: 'exit-flag', active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } },
    { id: 32, key: 'beta', active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }], payloads: { true: '{"tier":"gold"}' } } },
  ],
  group_type_mapping: {},
  cohorts: {},
}

describe('PostHog flag methods', () => {
  it('delivers a deduplicated $feature_flag_called through the event pipeline', async () => {
    server.route('/flags/', { body: remoteBody })
    const posthog = client()
    expect(await posthog.getFeatureFlag('checkout', 'user-1')).toBe('new')
    expect(await posthog.getFeatureFlag('checkout', 'user-1')).toBe('new')
    expect(await posthog.isFeatureEnabled('dark', 'user-1')).toBe(false)
    await posthog.flush()
    const events = receivedEvents(server).filter((e) => e.event === '$feature_flag_called')
    expect(events).toHaveLength(2)
    expect(events[0].distinct_id).toBe('user-1')
    expect(events[0].properties).toMatchObject({
      $feature_flag: 'checkout',
      $feature_flag_response: 'new',
      '$feature/checkout': 'new',
      locally_evaluated: false,
      $feature_flag_request_id: 'req-c',
      $feature_flag_id: 21,
      $feature_flag_version: 3,
    })
    expect(events[1].properties).toMatchObject({ $feature_flag: 'dark', $feature_flag_response: false })
    expect(flagsRequests()).toHaveLength(3)
  })

  it('capture({flags: snapshot}) adds $feature/<key> and sorted $active_feature_flags without a request', async () => {
    server.route('/flags/', { body: remoteBody })
    const posthog = client()
    const flags = await posthog.evaluateFlags('user-2')
    expect(flagsRequests()).toHaveLength(1)
    posthog.capture({ distinctId: 'user-2', event: 'purchase', flags })
    await posthog.flush()
    const [purchase] = receivedEvents(server).filter((e) => e.event === 'purchase')
    expect(purchase.properties).toMatchObject({ '$feature/checkout': 'new', '$feature/dark': false, $active_feature_flags: ['checkout'] })
    expect(flagsRequests()).toHaveLength(1)
  })

  it('capture({sendFeatureFlags: true}) evaluates flags for the event', async () => {
    server.route('/flags/', { body: remoteBody })
    const posthog = client()
    posthog.capture({ distinctId: 'user-3', event: 'signup', sendFeatureFlags: true, properties: { '$feature/dark': 'mine' } })
    await posthog.flush()
    const [signup] = receivedEvents(server).filter((e) => e.event === 'signup')
    expect(signup.properties).toMatchObject({ '$feature/checkout': 'new', '$feature/dark': 'mine', $active_feature_flags: ['checkout'] })
    expect(flagsRequests()).toHaveLength(1)
    expect(flagsRequests()[0]!.json.distinct_id).toBe('user-3')
  })

  it('uses the context scope for the distinct id and the device id', async () => {
    server.route('/flags/', { body: remoteBody })
    const posthog = client()
    const result = await posthog.withContext({ distinctId: 'ctx-user', deviceId: 'dev-9' }, () => posthog.getFeatureFlagResult('checkout'))
    expect(result?.variant).toBe('new')
    expect(flagsRequests()[0]!.json).toMatchObject({ distinct_id: 'ctx-user', $device_id: 'dev-9' })
  })

  it('honours featureFlagsRequestTimeoutMs and featureFlagsRequestMaxRetries from the options', async () => {
    server.enqueue('/flags/', { hang: true }, { status: 502, body: 'bad gateway' }, { status: 502, body: 'bad gateway' })
    server.route('/flags/', { body: remoteBody })
    const errors: Error[] = []
    const posthog = client({ featureFlagsRequestTimeoutMs: 300, featureFlagsRequestMaxRetries: 2, onError: (e) => errors.push(e) })
    const started = Date.now()
    expect(await posthog.getFeatureFlag('checkout', 'user-7')).toBeUndefined()
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(errors[0]!.message).toContain('timed out after 300 ms')
    // 502, 502, then the answer: two retries allowed.
    expect(await posthog.getFeatureFlag('checkout', 'user-7')).toBe('new')
    expect(flagsRequests()).toHaveLength(4)
    await posthog.flush()
    const called = receivedEvents(server).filter((e) => e.event === '$feature_flag_called')
    expect(called.map((e) => e.properties.$feature_flag_error)).toEqual(['timeout', undefined])
  })

  it('refuses bad per-call input without throwing', async () => {
    server.route('/flags/', { body: remoteBody })
    const errors: Error[] = []
    const posthog = client({ onError: (e) => errors.push(e) })
    expect(await posthog.getFeatureFlag('x', '' as string)).toBeUndefined()
    expect(await posthog.isFeatureEnabled(undefined as unknown as string, 'u')).toBeUndefined()
    expect(await posthog.getAllFlags(undefined)).toEqual({})
    expect((await posthog.evaluateFlags(undefined)).keys).toEqual([])
    expect(errors).toHaveLength(4)
    expect(flagsRequests()).toHaveLength(0)
    // Unusable options are ignored, not thrown.
    expect(await posthog.getFeatureFlag('checkout', 'u', null as unknown as undefined)).toBe('new')
    expect(await posthog.getAllFlags('u', { flagKeys: 'checkout' as unknown as string[] })).toEqual({ checkout: 'new', dark: false })
    expect(errors).toHaveLength(5)
    expect(errors[4]!.message).toContain('flagKeys')
    expect(flagsRequests()).toHaveLength(2)
    expect(flagsRequests()[1]!.json.flag_keys_to_evaluate).toBeUndefined()
  })

  it('a disabled client evaluates nothing and sends nothing', async () => {
    const posthog = client({ disabled: true, secretKey: 'phs_x' })
    expect(await posthog.getFeatureFlag('checkout', 'u')).toBeUndefined()
    expect(await posthog.getAllFlags('u')).toEqual({})
    expect(posthog.isLocalEvaluationReady()).toBe(false)
    expect(server.requests).toHaveLength(0)
  })

  it('local evaluation through the client: ready with definitions, payloads locally, exposures marked local', async () => {
    server.route('/flags/definitions', { body: definitions })
    const posthog = client({ secretKey: 'phs_secret' })
    expect(await posthog.waitForLocalEvaluationReady(10_000)).toBe(true)
    expect(posthog.isLocalEvaluationReady()).toBe(true)
    expect(await posthog.getFeatureFlagResult('beta', 'user-4')).toEqual({
      key: 'beta',
      enabled: true,
      variant: undefined,
      payload: { tier: 'gold' },
      reason: 'Evaluated locally',
    })
    expect(await posthog.getAllFlagsAndPayloads('user-4')).toEqual({ featureFlags: { 'exit-flag': true, beta: true }, featureFlagPayloads: { beta: { tier: 'gold' } } })
    await posthog.flush()
    const [called] = receivedEvents(server).filter((e) => e.event === '$feature_flag_called')
    expect(called.properties).toMatchObject({ $feature_flag: 'beta', locally_evaluated: true, $feature_flag_id: 32 })
    expect(flagsRequests()).toHaveLength(0)
  })

  it('one getAllFlags over 5,000 costly regex flags shares one regex budget: what it leaves undecided goes to /flags', async () => {
    // `^(a+)+b` on 14 a's costs 65,534 matcher steps per search: alone, each flag decides locally.
    const regex = (i: number) => ({ id: 1000 + i, key: `regex-${i}`, active: true, filters: { groups: [{ properties: [{ key: 'email', value: '^(a+)+b', operator: 'regex', type: 'person' }], rollout_percentage: 100 }] } })
    server.route('/flags/definitions', { body: { flags: [...Array.from({ length: 5000 }, (_, i) => regex(i)), definitions.flags[1]], group_type_mapping: {}, cohorts: {} } })
    server.route('/flags/', { body: { flags: {}, errorsWhileComputingFlags: false } })
    const posthog = client({ secretKey: 'phs_secret' })
    expect(await posthog.waitForLocalEvaluationReady(10_000)).toBe(true)
    const personProperties = { email: 'a'.repeat(14) }
    expect(await posthog.getFeatureFlag('regex-4999', 'u', { personProperties })).toBe(false)
    expect(flagsRequests()).toHaveLength(0)
    const values = await posthog.getAllFlags('u', { personProperties })
    expect(values.beta).toBe(true)
    // With a budget per flag all 5,000 would have been decided locally, with no request.
    expect(flagsRequests()).toHaveLength(1)
  })

  it('getAllFlags keeps the flags it decided before the regex budget ran out; only the rest go to /flags', async () => {
    const regex = (i: number) => ({ id: 1000 + i, key: `regex-${i}`, active: true, filters: { groups: [{ properties: [{ key: 'email', value: '^(a+)+b', operator: 'regex', type: 'person' }], rollout_percentage: 100 }] } })
    const defs = { flags: [...Array.from({ length: 200 }, (_, i) => regex(i)), definitions.flags[1]], group_type_mapping: {}, cohorts: {} }
    server.route('/flags/definitions', { body: defs })
    // The server knows none of them: whatever the answer has, it comes from local evaluation.
    server.route('/flags/', { body: { flags: {}, errorsWhileComputingFlags: false } })
    const personProperties = { email: 'a'.repeat(14) }
    // The engine alone, with one fresh budget: which regex flags one evaluation decides.
    const { results, inconclusive } = evaluateAllFlags(compileFlags(defs as any), { distinctId: 'u', personProperties })
    const decided = Object.keys(results).filter((k) => k.startsWith('regex-'))
    expect(decided.length).toBeGreaterThan(0)
    expect(inconclusive.length).toBeGreaterThan(0)
    const expected: Record<string, boolean> = { beta: true }
    for (const key of decided) expected[key] = false

    const posthog = client({ secretKey: 'phs_secret' })
    expect(await posthog.waitForLocalEvaluationReady(10_000)).toBe(true)
    expect(await posthog.getAllFlags('u', { personProperties, onlyEvaluateLocally: true })).toEqual(expected)
    expect(flagsRequests()).toHaveLength(0)
    expect(await posthog.getAllFlags('u', { personProperties })).toEqual(expected)
    expect(flagsRequests()).toHaveLength(1)
    expect((await posthog.getAllFlagsAndPayloads('u', { personProperties, onlyEvaluateLocally: true })).featureFlags).toEqual(expected)
    // When /flags fails, the local answers still stand.
    server.route('/flags/', { status: 500, body: {} })
    expect(await posthog.getAllFlags('u', { personProperties })).toEqual(expected)
  })

  it('evaluates date filters in the project timezone: the definitions’ own, else featureFlagsTimezone', async () => {
    const dated = { flags: [{ id: 1, key: 'june', active: true, filters: { groups: [{ properties: [{ key: 'joined', type: 'person', operator: 'is_date_after', value: '2024-06-01' }] }] } }] }
    // 03:00 UTC is after UTC midnight but before Los Angeles midnight.
    const ask = async (posthog: PostHog) => {
      expect(await posthog.waitForLocalEvaluationReady(10_000)).toBe(true)
      return posthog.getFeatureFlag('june', 'u', { personProperties: { joined: '2024-06-01T03:00:00Z' }, onlyEvaluateLocally: true, sendFeatureFlagEvents: false })
    }
    server.route('/flags/definitions', { body: dated })
    expect(await ask(client({ secretKey: 'phs_secret' }))).toBe(true)
    expect(await ask(client({ secretKey: 'phs_secret', featureFlagsTimezone: 'America/Los_Angeles' }))).toBe(false)
    server.route('/flags/definitions', { body: { ...dated, timezone: 'America/Los_Angeles' } })
    expect(await ask(client({ secretKey: 'phs_secret', featureFlagsTimezone: 'UTC' }))).toBe(false)
    expect(() => client({ secretKey: 'phs_secret', featureFlagsTimezone: 'Mars/Olympus' })).toThrow(/featureFlagsTimezone/)
  })

  it('the edge entry (pure SHA-1, web runtime) gives the same local and remote answers', async () => {
    const hashed = {
      flags: [
        { id: 51, key: 'half', active: true, filters: { groups: [{ properties: [], rollout_percentage: 50 }] } },
        { id: 52, key: 'three-way', active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }], multivariate: { variants: [{ key: 'a', rollout_percentage: 34 }, { key: 'b', rollout_percentage: 33 }, { key: 'c', rollout_percentage: 33 }] } } },
      ],
      group_type_mapping: {},
      cohorts: {},
    }
    server.route('/flags/definitions', { body: hashed })
    server.route('/flags/', { body: remoteBody })
    const edge = new EdgePostHog('phc_test', { host: server.url, secretKey: 'phs_secret', logger: silentLogger, flushInterval: 0 })
    const node = client({ secretKey: 'phs_secret' })
    try {
      expect(await edge.waitForLocalEvaluationReady(10_000)).toBe(true)
      await node.waitForLocalEvaluationReady(10_000)
      const seen = new Set<string>()
      for (let i = 0; i < 60; i++) {
        const fromEdge = await edge.getAllFlags(`user-${i}`)
        expect(fromEdge).toEqual(await node.getAllFlags(`user-${i}`))
        seen.add(JSON.stringify(fromEdge))
      }
      // The hash really decides: both rollout halves and all three variants occur.
      expect(seen.size).toBe(6)
      expect(await edge.getFeatureFlag('checkout', 'a')).toBe('new')
      expect(flagsRequests()).toHaveLength(1)
    } finally {
      await edge.shutdown(2000)
    }
  })

  it('two clients sharing an in-memory definition cache make one definitions request', async () => {
    server.route('/flags/definitions', { body: definitions })
    const shared = new InMemoryFlagDefinitionCache({ maxAgeMs: 60_000 })
    const first = client({ secretKey: 'phs_secret', flagDefinitionCacheProvider: shared })
    expect(await first.waitForLocalEvaluationReady(10_000)).toBe(true)
    const second = client({ secretKey: 'phs_secret', flagDefinitionCacheProvider: shared })
    expect(await second.waitForLocalEvaluationReady(10_000)).toBe(true)
    expect(await second.getFeatureFlag('beta', 'user-5')).toBe(true)
    expect(server.requestsTo('/flags/definitions')).toHaveLength(1)
    expect(flagsRequests()).toHaveLength(0)
  })

  it('shutdown stops the poller and shuts the cache provider down', async () => {
    server.route('/flags/definitions', { body: definitions })
    const cache = new InMemoryFlagDefinitionCache()
    let shutdowns = 0
    const provider = Object.assign(Object.create(cache) as InMemoryFlagDefinitionCache, { shutdown: () => void shutdowns++ })
    const posthog = client({ secretKey: 'phs_secret', featureFlagsPollingInterval: 100, flagDefinitionCacheProvider: provider })
    await posthog.waitForLocalEvaluationReady(10_000)
    await posthog.shutdown(2000)
    expect(shutdowns).toBe(1)
    const seen = server.requestsTo('/flags/definitions').length
    await new Promise((r) => setTimeout(r, 400))
    expect(server.requestsTo('/flags/definitions').length).toBe(seen)
  })
})

describe('process exit with local evaluation on (child process using the built package)', () => {
  const fixture = fileURLToPath(new URL('../fixtures/flags-local-evaluation-exit.mjs', import.meta.url))
  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

  beforeAll(() => {
    if (!existsSync(dist)) throw new Error('Build the package first (npm run build): the exit test runs dist/index.js')
  })

  it('exits by itself without shutdown() while the poller is running', async () => {
    server.route('/flags/definitions', { body: definitions })
    const outcome = await runToExit(fixture, [server.url], 'child with local evaluation')
    expect(outcome.code).toBe(0)
    expect(JSON.parse(outcome.stdout)).toEqual({ ready: true, value: true })
    expect(server.requestsTo('/flags/definitions').length).toBeGreaterThanOrEqual(1)
    expect(flagsRequests()).toHaveLength(0)
  })
})

describe('overrides set before the flag service loads (child process using the built package)', () => {
  it('are copied at the call and applied in order once the service is there', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/flags-overrides-before-load.mjs', import.meta.url))
    const outcome = await runToExit(fixture, [], 'child overriding flags before the service loads')
    expect(outcome.stderr).toBe('')
    // The second call replaced the flag overrides (so `later` is gone) and kept the payloads of the first, as given then.
    expect(JSON.parse(outcome.stdout)).toEqual({ beta: 'v1', payload: { tier: 1 } })
  })
})
