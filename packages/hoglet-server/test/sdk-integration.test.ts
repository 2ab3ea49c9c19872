import { fileURLToPath } from 'node:url'
import { PostHog } from 'hoglet'
import { afterEach, describe, expect, it } from 'vitest'
import { post, startTestServer } from './helpers.js'

const flagsFile = fileURLToPath(new URL('../examples/flags.yaml', import.meta.url))
const clients: PostHog[] = []
function client(host: string, options: ConstructorParameters<typeof PostHog>[1] = {}): PostHog {
  const c = new PostHog('phc_sdk_test', { host, flushAt: 1, flushInterval: 20, fetchRetryDelay: 10, ...options })
  clients.push(c)
  return c
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown(5000)))
})

describe('the hoglet SDK against hoglet-server', () => {
  it('stores captured events, merged persons and groups, sent gzipped to /batch/', async () => {
    const server = await startTestServer()
    const posthog = client(server.url)
    posthog.capture({ distinctId: 'anon-1', event: '$pageview', properties: { path: '/' } })
    posthog.identify({ distinctId: 'user-1', properties: { $anon_distinct_id: 'anon-1', plan: 'pro' } })
    posthog.alias({ distinctId: 'user-1', alias: 'crm-1' })
    posthog.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { seats: 80 } })
    posthog.capture({ distinctId: 'user-1', event: 'order completed', properties: { total: 42 }, groups: { company: 'acme' } })
    await posthog.flush()

    const order = server.store.events.list({ event: 'order completed' })[0]!
    expect(order.properties).toMatchObject({ total: 42, $lib: 'hoglet', $groups: { company: 'acme' } })
    expect(server.store.events.count()).toBe(5)
    expect(server.store.persons.get('crm-1')!.distinctIds.sort()).toEqual(['anon-1', 'crm-1', 'user-1'])
    expect(server.store.persons.propertiesOf('anon-1')).toMatchObject({ plan: 'pro' })
    expect(server.store.groups.get('company', 'acme')!.properties).toEqual({ seats: 80 })
    expect(server.requests('/batch').every((r) => r.headers['content-encoding'] === 'gzip')).toBe(true)
  })

  it('evaluates flags locally from the server\'s definitions, agreeing with the server and sending no /flags request', async () => {
    const server = await startTestServer({ flagsFile })
    const posthog = client(server.url, { personalApiKey: 'phx_test' })
    expect(await posthog.waitForLocalEvaluationReady(10_000)).toBe(true)
    for (const [id, plan, email] of [['u1', 'pro', 'a@hoglet.dev'], ['u2', 'free', 'b@example.com'], ['u3', 'enterprise', 'c@example.com']] as const) {
      const personProperties = { plan, email }
      const local = await posthog.getAllFlags(id, { personProperties, onlyEvaluateLocally: true })
      const remote = await post(server, '/flags', { token: 'phc_sdk_test', distinct_id: id, person_properties: personProperties })
      for (const key of ['new-navigation', 'faster-search', 'priority-support', 'checkout-experiment']) {
        expect(local[key], `${key} for ${id}`).toBe(remote.body.featureFlags[key])
      }
    }
    expect(await posthog.getFeatureFlagPayload('priority-support', 'u1', true, { personProperties: { plan: 'pro' } })).toEqual({ queue: 'priority', responseTimeHours: 4 })
    // Only the three /flags requests this test made itself: the SDK asked the server nothing.
    expect(server.requests().filter((r) => r.path === '/flags')).toHaveLength(3)
    // The personal API key is masked in the log; its type prefix stays.
    expect(server.requests("/flags/definitions")[0]!.headers.authorization).toBe("Bearer phx_…[redacted]")
  })

  it('evaluates remotely through /flags, the server supplying stored person properties', async () => {
    const server = await startTestServer({ flagsFile })
    const posthog = client(server.url)
    posthog.identify({ distinctId: 'remote-1', properties: { plan: 'enterprise' } })
    await posthog.flush()
    expect(await posthog.isFeatureEnabled('priority-support', 'remote-1')).toBe(true)
    expect(await posthog.isFeatureEnabled('priority-support', 'remote-2')).toBe(false)
    expect(server.requests().filter((r) => r.path === '/flags').length).toBeGreaterThanOrEqual(2)
    // The exposure events reach the server too.
    await posthog.flush()
    const exposures = server.store.events.list({ event: '$feature_flag_called' })
    expect(exposures.map((e) => e.distinct_id).sort()).toEqual(['remote-1', 'remote-2'])
  })

  it('picks up changed definitions (200 with a new ETag) and keeps them on 304', async () => {
    const server = await startTestServer()
    await fetch(`${server.url}/_hoglet/flags`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify({ flags: [{ key: 'rollout', rollout_percentage: 0 }] }) })
    const posthog = client(server.url, { personalApiKey: 'phx_test' })
    await posthog.waitForLocalEvaluationReady(10_000)
    expect(await posthog.getFeatureFlag('rollout', 'u', { onlyEvaluateLocally: true })).toBe(false)
    await posthog.reloadFeatureFlags()
    expect(server.requests('/flags/definitions').map((r) => r.status)).toEqual([200, 304])
    await fetch(`${server.url}/_hoglet/flags`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify({ flags: [{ key: 'rollout', rollout_percentage: 100 }] }) })
    await posthog.reloadFeatureFlags()
    expect(server.requests('/flags/definitions').map((r) => r.status)).toEqual([200, 304, 200])
    expect(await posthog.getFeatureFlag('rollout', 'u', { onlyEvaluateLocally: true })).toBe(true)
  })

  it('retries a 503 with Retry-After and delivers the event once', async () => {
    const server = await startTestServer()
    server.injectFaults({ path: '/batch', status: 503, retryAfter: 0 })
    const posthog = client(server.url)
    posthog.capture({ distinctId: 'u', event: 'retried' })
    await posthog.flush()
    expect(server.requests('/batch').map((r) => r.status)).toEqual([503, 200])
    expect(server.store.events.list({ event: 'retried' })).toHaveLength(1)
    expect(posthog.stats()).toMatchObject({ delivered: 1, droppedTotal: 0 })
  })

  it('reads a remote config payload', async () => {
    const server = await startTestServer({ flagsFile })
    const posthog = client(server.url, { personalApiKey: 'phx_test' })
    expect(await posthog.getRemoteConfigPayload('site-banner')).toEqual({ message: 'Welcome to the hoglet demo', level: 'info' })
  })
})
