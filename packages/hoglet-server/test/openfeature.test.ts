import { OpenFeature, ProviderEvents, type Hook } from '@openfeature/server-sdk'
import { PostHog } from 'hoglet'
import { HogletProvider } from 'hoglet/openfeature'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { startTestServer } from './helpers.js'

const FLAGS = {
  group_type_mapping: { '0': 'company' },
  flags: [
    { key: 'on-for-all' },
    { key: 'killed', active: false },
    {
      key: 'pro-only',
      filters: {
        groups: [{ properties: [{ key: 'plan', type: 'person', operator: 'exact', value: ['pro'] }], rollout_percentage: 100 }],
        payloads: { true: { queue: 'priority' } },
      },
    },
    {
      key: 'checkout',
      filters: {
        groups: [{ properties: [{ key: 'email', type: 'person', operator: 'icontains', value: '@hoglet.dev' }], rollout_percentage: 100, variant: 'test' }],
        multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }] },
        payloads: { test: 42, control: 7 },
      },
    },
    {
      key: 'big-teams',
      filters: {
        aggregation_group_type_index: 0,
        groups: [{ properties: [{ key: 'seats', type: 'group', group_type_index: 0, operator: 'gte', value: 50 }], rollout_percentage: 100 }],
      },
    },
    { key: 'bad-payload', filters: { groups: [{ properties: [], rollout_percentage: 100 }], payloads: { true: '"just a string"' } } },
  ],
}

const clients: PostHog[] = []
afterEach(async () => {
  await OpenFeature.clearProviders()
  await Promise.all(clients.splice(0).map((c) => c.shutdown(5000)))
})

async function putFlags(server: RunningServer, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/_hoglet/flags`, { method: 'PUT', headers: server.controlHeaders(), body: JSON.stringify(body) })
  expect(res.status).toBeLessThan(300)
}

async function setup(options: ConstructorParameters<typeof HogletProvider>[1] = {}) {
  const server = await startTestServer()
  await putFlags(server, FLAGS)
  const posthog = new PostHog('phc_of', { host: server.url, personalApiKey: 'phx_of', flushAt: 1, flushInterval: 20 })
  clients.push(posthog)
  const provider = new HogletProvider(posthog, options)
  await OpenFeature.setProviderAndWait(provider)
  return { server, posthog, provider, client: OpenFeature.getClient() }
}

describe('the OpenFeature provider with @openfeature/server-sdk against hoglet-server', () => {
  it('is ready once local evaluation is, and resolves booleans with reasons', async () => {
    const { client, server } = await setup()
    expect(client.providerStatus).toBe('READY')
    const on = await client.getBooleanDetails('on-for-all', false, { targetingKey: 'u1' })
    expect(on).toMatchObject({ value: true, reason: 'TARGETING_MATCH', variant: 'true', flagKey: 'on-for-all' })
    expect(on.flagMetadata).toMatchObject({ reasonDescription: 'Evaluated locally', enabled: true })
    expect(await client.getBooleanDetails('killed', true, { targetingKey: 'u1' })).toMatchObject({ value: false, reason: 'DISABLED' })
    // Top-level context attributes are person properties.
    expect(await client.getBooleanValue('pro-only', false, { targetingKey: 'u1', plan: 'pro' })).toBe(true)
    expect(await client.getBooleanDetails('pro-only', true, { targetingKey: 'u1', plan: 'free' })).toMatchObject({ value: false, reason: 'DEFAULT' })
    // Decided locally: the server saw no /flags request.
    expect(server.requests().filter((r) => r.path === '/flags')).toHaveLength(0)
  })

  it('reports an override as STATIC', async () => {
    const { client, posthog } = await setup()
    posthog.overrideFeatureFlags({ 'pro-only': true })
    expect(await client.getBooleanDetails('pro-only', false, { targetingKey: 'o1', plan: 'free' })).toMatchObject({ value: true, reason: 'STATIC' })
  })

  it('maps explicit personProperties, groups and groupProperties', async () => {
    const { client } = await setup()
    expect(await client.getBooleanValue('pro-only', false, { targetingKey: 'u2', plan: 'free', personProperties: { plan: 'pro' } })).toBe(true)
    expect(await client.getBooleanValue('big-teams', false, { targetingKey: 'u2', groups: { company: 'acme' }, groupProperties: { company: { seats: 80 } } })).toBe(true)
    expect(await client.getBooleanValue('big-teams', true, { targetingKey: 'u2', groups: { company: 'tiny' }, groupProperties: { company: { seats: 3 } } })).toBe(false)
  })

  it('resolves strings from variants, numbers and objects from payloads, and reports type errors', async () => {
    const { client } = await setup()
    const ctx = { targetingKey: 'u3', email: 'me@hoglet.dev' }
    expect(await client.getStringDetails('checkout', 'none', ctx)).toMatchObject({ value: 'test', variant: 'test', reason: 'TARGETING_MATCH' })
    expect(await client.getNumberValue('checkout', 0, ctx)).toBe(42)
    expect(await client.getObjectValue('pro-only', {}, { targetingKey: 'u3', plan: 'pro' })).toEqual({ queue: 'priority' })
    expect(await client.getStringDetails('on-for-all', 'dflt', ctx)).toMatchObject({ value: 'dflt', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' })
    expect(await client.getNumberDetails('pro-only', -1, { targetingKey: 'u3', plan: 'pro' })).toMatchObject({ value: -1, errorCode: 'TYPE_MISMATCH' })
    expect(await client.getObjectDetails('bad-payload', { d: 1 }, ctx)).toMatchObject({ value: { d: 1 }, errorCode: 'PARSE_ERROR' })
    // A flag that is off resolves to the default with its reason, not an error.
    expect(await client.getObjectDetails('pro-only', { d: 2 }, { targetingKey: 'u3', plan: 'free' })).toMatchObject({ value: { d: 2 }, reason: 'DEFAULT' })
    expect((await client.getObjectDetails('pro-only', { d: 2 }, { targetingKey: 'u3', plan: 'free' })).errorCode).toBeUndefined()
  })

  it('reports FLAG_NOT_FOUND and TARGETING_KEY_MISSING with the default value', async () => {
    const { client } = await setup({ onlyEvaluateLocally: true })
    expect(await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u4' })).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' })
    expect(await client.getStringDetails('checkout', 'dflt', {})).toMatchObject({ value: 'dflt', errorCode: 'TARGETING_KEY_MISSING' })
  })

  it('runs provider hooks and client hooks, error hooks on an error', async () => {
    const seen: string[] = []
    const hook = (name: string): Hook => ({
      before: () => void seen.push(`${name}:before`),
      after: (_ctx, details) => void seen.push(`${name}:after:${String(details.value)}`),
      error: (_ctx, err) => void seen.push(`${name}:error:${(err as { code?: string }).code ?? 'x'}`),
      finally: () => void seen.push(`${name}:finally`),
    })
    const { client } = await setup({ hooks: [hook('provider')], onlyEvaluateLocally: true })
    client.addHooks(hook('client'))
    await client.getBooleanValue('on-for-all', false, { targetingKey: 'u5' })
    expect(seen).toEqual(['client:before', 'provider:before', 'provider:after:true', 'client:after:true', 'provider:finally', 'client:finally'])
    seen.length = 0
    await client.getBooleanValue('no-such-flag', false, { targetingKey: 'u5' })
    expect(seen.filter((s) => s.includes(':error:'))).toEqual(['provider:error:FLAG_NOT_FOUND', 'client:error:FLAG_NOT_FOUND'])
  })

  it('sends $feature_flag_called exposures and tracking events to the server', async () => {
    const { client, posthog, server } = await setup()
    await client.getBooleanValue('on-for-all', false, { targetingKey: 'u6' })
    client.track('checkout started', { targetingKey: 'u6' }, { value: 12, currency: 'EUR' })
    await posthog.flush()
    expect(server.store.events.list({ event: '$feature_flag_called' }).map((e) => e.distinct_id)).toEqual(['u6'])
    const tracked = server.store.events.list({ event: 'checkout started' })
    expect(tracked).toHaveLength(1)
    expect(tracked[0]!.properties).toMatchObject({ $value: 12, currency: 'EUR' })
  })

  it('emits PROVIDER_ERROR when definitions never load, and flags still resolve remotely', async () => {
    const server = await startTestServer()
    await putFlags(server, FLAGS)
    const posthog = new PostHog('phc_of', { host: server.url, flushAt: 1, flushInterval: 20 })
    clients.push(posthog)
    const errors: unknown[] = []
    OpenFeature.addHandler(ProviderEvents.Error, (e) => void errors.push(e))
    await expect(OpenFeature.setProviderAndWait(new HogletProvider(posthog))).rejects.toBeDefined()
    expect(errors).toHaveLength(1)
    // Without waiting for local evaluation the same client is READY and answers through /flags.
    await OpenFeature.setProviderAndWait(new HogletProvider(posthog, { waitForLocalEvaluation: false }))
    const remote = OpenFeature.getClient()
    // Remote answers carry the server's reason codes.
    expect(await remote.getBooleanDetails('on-for-all', false, { targetingKey: 'r1' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH', flagMetadata: { reasonCode: 'condition_match' } })
    expect(await remote.getBooleanDetails('pro-only', true, { targetingKey: 'r1', plan: 'free' })).toMatchObject({ value: false, reason: 'DEFAULT', flagMetadata: { reasonCode: 'no_condition_match' } })
    expect(server.requests().filter((r) => r.path === '/flags').length).toBeGreaterThanOrEqual(1)
  })

  it('emits PROVIDER_CONFIGURATION_CHANGED when the client loads changed definitions', async () => {
    const { client, posthog, server } = await setup()
    const changed = new Promise<unknown>((resolve) => client.addHandler(ProviderEvents.ConfigurationChanged, resolve))
    await putFlags(server, { flags: [...FLAGS.flags.filter((f) => f.key !== 'on-for-all'), { key: 'on-for-all', active: false }] })
    await posthog.reloadFeatureFlags()
    await changed
    expect(await client.getBooleanDetails('on-for-all', true, { targetingKey: 'u7' })).toMatchObject({ value: false, reason: 'DISABLED' })
  })

  it('sees the first reload as a change when the client was ready before the provider was set', async () => {
    const server = await startTestServer()
    await putFlags(server, FLAGS)
    const posthog = new PostHog('phc_of', { host: server.url, personalApiKey: 'phx_of', flushAt: 1, flushInterval: 20 })
    clients.push(posthog)
    expect(await posthog.waitForLocalEvaluationReady(10_000)).toBe(true)
    await OpenFeature.setProviderAndWait(new HogletProvider(posthog))
    const changes: unknown[] = []
    OpenFeature.getClient().addHandler(ProviderEvents.ConfigurationChanged, (e) => void changes.push(e))
    await putFlags(server, { flags: [{ key: 'on-for-all', active: false }] })
    await posthog.reloadFeatureFlags()
    await new Promise((r) => setTimeout(r, 50))
    expect(changes).toHaveLength(1)
  })

  it('rejects a bad client or option at construction, naming it', () => {
    expect(() => new HogletProvider({} as never)).toThrow(/client/)
    expect(() => new HogletProvider({ getFeatureFlagResult: async () => undefined }, { readyTimeoutMs: -1 })).toThrow(/readyTimeoutMs/)
  })
})
