import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PostHog } from '../../src/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { clientFor, receivedEvents } from '../helpers/client.js'

let server: TestServer
let client: PostHog
beforeEach(async () => {
  server = await createTestServer()
  client = clientFor(server, { flushAt: 100 })
})
afterEach(async () => {
  await client.shutdown(2000)
  await server.close()
})

async function sent(): Promise<any[]> {
  await client.flush()
  return receivedEvents(server)
}

describe('identify, alias, groups and person properties', () => {
  it('identify sends $identify with loose properties under $set', async () => {
    client.identify({ distinctId: 'u1', properties: { email: 'a@b.c', $set_once: { first: 'x' }, $anon_distinct_id: 'anon' } })
    const [event] = await sent()
    expect(event.event).toBe('$identify')
    expect(event.distinct_id).toBe('u1')
    expect(event.properties).toMatchObject({ $set: { email: 'a@b.c' }, $set_once: { first: 'x' }, $anon_distinct_id: 'anon', $lib: 'hoglet' })
  })

  it('alias sends $create_alias with distinct_id and alias properties', async () => {
    client.alias({ distinctId: 'user-1', alias: 'anon-9' })
    const [event] = await sent()
    expect(event).toMatchObject({ event: '$create_alias', distinct_id: 'user-1', properties: { distinct_id: 'user-1', alias: 'anon-9' } })
  })

  it('groupIdentify sends $groupidentify; the default distinct id is $<type>_<key>', async () => {
    client.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme Inc', seats: 12 } })
    client.groupIdentify({ groupType: 'org', groupKey: 5, distinctId: 'admin' })
    const [first, second] = await sent()
    expect(first).toMatchObject({
      event: '$groupidentify',
      distinct_id: '$company_acme',
      properties: { $group_type: 'company', $group_key: 'acme', $group_set: { name: 'Acme Inc', seats: 12 } },
    })
    expect(second).toMatchObject({ distinct_id: 'admin', properties: { $group_type: 'org', $group_key: '5', $group_set: {} } })
  })

  it('groupIdentify without a group key is refused', () => {
    client.groupIdentify({ groupType: 'company', groupKey: '' })
    expect(client.stats().refused.invalid).toBe(1)
  })

  it('set, setOnce and setPersonProperties send $set events', async () => {
    client.set({ distinctId: 'u', properties: { plan: 'pro' } })
    client.setOnce({ distinctId: 'u', properties: { signup: '2024' } })
    client.setPersonProperties({ distinctId: 'u', properties: { a: 1 }, propertiesOnce: { b: 2 } })
    const events = await sent()
    expect(events.map((e) => e.event)).toEqual(['$set', '$set', '$set'])
    expect(events[0].properties.$set).toEqual({ plan: 'pro' })
    expect(events[1].properties.$set_once).toEqual({ signup: '2024' })
    expect(events[2].properties).toMatchObject({ $set: { a: 1 }, $set_once: { b: 2 } })
  })

  it('pageviews are plain $pageview events with $current_url; $set and personless flags pass through', async () => {
    client.capture({ distinctId: 'u', event: '$pageview', properties: { $current_url: 'https://shop.example/cart', $set: { seen_cart: true } } })
    client.capture({ distinctId: 'bot', event: 'ping', properties: { $process_person_profile: false } })
    const [pageview, ping] = await sent()
    expect(pageview.properties).toMatchObject({ $current_url: 'https://shop.example/cart', $set: { seen_cart: true } })
    expect(ping.properties.$process_person_profile).toBe(false)
  })
})

describe('property precedence: super < context < explicit', () => {
  it('merges super properties, register and unregister', async () => {
    const withSupers = clientFor(server, { superProperties: { app: 'shop', env: 'prod' } })
    withSupers.register({ version: 3 })
    withSupers.capture({ distinctId: 'u', event: 'a', properties: { env: 'staging' } })
    withSupers.unregister('app')
    withSupers.capture({ distinctId: 'u', event: 'b' })
    await withSupers.flush()
    const [a, b] = receivedEvents(server)
    expect(a.properties).toMatchObject({ app: 'shop', env: 'staging', version: 3 })
    expect(b.properties).not.toHaveProperty('app')
    expect(b.properties).toMatchObject({ env: 'prod', version: 3 })
    await withSupers.shutdown()
  })

  it('uses the context scope: distinct id, $session_id and properties; explicit values win', async () => {
    const scope = Object.freeze({ distinctId: 'ctx-user', sessionId: 'sess-1', properties: Object.freeze({ route: '/cart', env: 'ctx' }) })
    client.register({ env: 'super', team: 'core' })
    client.setContextProvider(() => scope)
    client.capture({ event: 'in-scope' })
    client.capture({ distinctId: 'explicit', event: 'explicit', properties: { route: '/override' } })
    client.identify({ distinctId: 'u', properties: { a: 1 } })
    const [inScope, explicit, identify] = await sent()
    expect(inScope.distinct_id).toBe('ctx-user')
    expect(inScope.properties).toMatchObject({ $session_id: 'sess-1', route: '/cart', env: 'ctx', team: 'core' })
    expect(explicit.distinct_id).toBe('explicit')
    expect(explicit.properties.route).toBe('/override')
    expect(identify.properties).not.toHaveProperty('route')
    expect(identify.properties).not.toHaveProperty('$session_id')
  })

  it('inside a scope without a distinct id, events are personless', async () => {
    client.setContextProvider(() => ({ sessionId: 's' }))
    client.capture({ event: 'anonymous' })
    const [event] = await sent()
    expect(event.event).toBe('anonymous')
    expect(event.distinct_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(event.properties.$process_person_profile).toBe(false)
  })
})

describe('beforeSend', () => {
  it('can change events, drop them (counted) and survives a throwing hook (counted, reported)', async () => {
    const errors: Error[] = []
    const hooked = clientFor(server, {
      onError: (e) => errors.push(e),
      beforeSend: [
        (e) => (e.event === 'drop-me' ? null : e),
        (e) => {
          if (e.event === 'explode') throw new Error('hook failed')
          return { ...e, properties: { ...e.properties, redacted: true } }
        },
      ],
    })
    hooked.capture({ distinctId: 'u', event: 'keep' })
    hooked.capture({ distinctId: 'u', event: 'drop-me' })
    hooked.capture({ distinctId: 'u', event: 'explode' })
    hooked.identify({ distinctId: 'u', properties: { a: 1 } })
    await hooked.flush()
    const events = receivedEvents(server)
    expect(events.map((e) => e.event)).toEqual(['keep', '$identify'])
    expect(events.every((e) => e.properties.redacted === true)).toBe(true)
    expect(hooked.stats().dropped.before_send).toBe(2)
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toMatch(/hook failed/)
    await hooked.shutdown()
  })
})

describe('captureAi', () => {
  it('posts to /i/v0/ai/batch/ with the same envelope and keeps the caller uuid', async () => {
    const uuid = '0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b'
    expect(client.captureAi({ distinctId: 'u', event: '$ai_generation', uuid, properties: { $ai_model: 'm' } })).toBe(uuid)
    client.capture({ distinctId: 'u', event: 'normal' })
    await client.flush()
    const [ai] = server.requestsTo('/i/v0/ai/batch/')
    expect(ai.json.api_key).toBe('phc_test')
    expect(ai.json.batch).toEqual([expect.objectContaining({ event: '$ai_generation', uuid, properties: expect.objectContaining({ $ai_model: 'm', $lib: 'hoglet' }) })])
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['normal'])
  })
})

describe('feature flag enrichment hook', () => {
  it('adds snapshot properties synchronously, and awaits sendFeatureFlags before flush resolves', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    client.setFeatureFlagEnricher({
      propertiesFromSnapshot: (flags) => ({ '$feature/beta': (flags as any).beta, $active_feature_flags: ['beta'] }),
      fetchProperties: async (distinctId) => {
        await gate
        return { '$feature/remote': `for-${distinctId}` }
      },
    })
    client.capture({ distinctId: 'u', event: 'snap', flags: { beta: true } })
    const uuid = '0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b'
    client.capture({ distinctId: 'u', event: 'fetched', sendFeatureFlags: true, uuid })
    const flushed = client.flush()
    setTimeout(release, 50)
    await flushed
    const events = receivedEvents(server)
    expect(events.find((e) => e.event === 'snap').properties).toMatchObject({ '$feature/beta': true, $active_feature_flags: ['beta'] })
    const fetched = events.find((e) => e.event === 'fetched')
    expect(fetched.uuid).toBe(uuid)
    expect(fetched.properties['$feature/remote']).toBe('for-u')
  })

  it('captureImmediate with sendFeatureFlags waits for its own flag fetch, then sends', async () => {
    client.setFeatureFlagEnricher({
      propertiesFromSnapshot: () => undefined,
      fetchProperties: async () => {
        await new Promise((r) => setTimeout(r, 30))
        return { '$feature/late': 'yes' }
      },
    })
    const uuid = '0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5c'
    await client.captureImmediate({ distinctId: 'u', event: 'imm-flags', sendFeatureFlags: true, uuid })
    expect(receivedEvents(server)).toEqual([expect.objectContaining({ uuid, properties: expect.objectContaining({ '$feature/late': 'yes' }) })])
  })

  it('sends the event without flags when the flag fetch fails, and reports it', async () => {
    const errors: Error[] = []
    const c = clientFor(server, { onError: (e) => errors.push(e) })
    c.setFeatureFlagEnricher({ propertiesFromSnapshot: () => undefined, fetchProperties: () => Promise.reject(new Error('flags down')) })
    c.capture({ distinctId: 'u', event: 'still-sent', sendFeatureFlags: true })
    await c.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['still-sent'])
    expect(errors[0].cause).toBeInstanceOf(Error)
    await c.shutdown()
  })
})

describe('events and counters', () => {
  it('emits capture, flush, retry and drop; on() returns an unsubscribe function', async () => {
    server.enqueue('/batch/', { status: 503 })
    const seen: string[] = []
    const off = client.on('capture', (e) => seen.push(`capture:${e.event}`))
    client.on('flush', (f) => seen.push(`flush:${f.count}`))
    client.on('retry', (r) => seen.push(`retry:${r.attempt}`))
    client.capture({ distinctId: 'u', event: 'one' })
    off()
    client.capture({ distinctId: 'u', event: 'two' })
    await client.flush()
    expect(seen).toEqual(['capture:one', 'retry:1', 'flush:2'])
    expect(client.stats()).toMatchObject({ captured: 2, delivered: 2, retried: 1, requests: 2, inFlight: 0, queued: 0, droppedTotal: 0 })
  })
})

describe('bot pageviews (__preview_capture_bot_pageviews)', () => {
  it('events captured while the bot list loads are counted at once and sent in call order, built-in and custom bots marked', async () => {
    const bots = clientFor(server, { flushAt: 100, __preview_capture_bot_pageviews: true, custom_blocked_useragents: ['Acme-Monitor'] })
    const pageview = (agent: string): void => bots.capture({ distinctId: 'u', event: '$pageview', properties: { $raw_user_agent: agent } })
    pageview('Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)')
    bots.capture({ distinctId: 'u', event: 'signup', properties: { $raw_user_agent: 'Googlebot' } })
    pageview('acme-monitor/3.1')
    pageview('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15')
    // The list is this file's first import of it: the four wait for it, counted and queued already.
    expect(bots.stats()).toMatchObject({ captured: 4, queued: 4 })
    await bots.flush()
    const events = await receivedEvents(server)
    expect(events.map((e) => [e.event, e.properties.$browser_type])).toEqual([
      ['$bot_pageview', 'bot'],
      ['signup', undefined],
      ['$bot_pageview', 'bot'],
      ['$pageview', undefined],
    ])
    // Once loaded, a later client's pageview is built and queued within the call.
    const later = clientFor(server, { flushAt: 100, __preview_capture_bot_pageviews: true })
    later.capture({ distinctId: 'u', event: '$pageview', properties: { $raw_user_agent: 'Mozilla/5.0 (compatible; GPTBot/1.0)' } })
    expect(later.stats().queued).toBe(1)
    await later.flush()
    expect((await receivedEvents(server)).at(-1)).toMatchObject({ event: '$bot_pageview', properties: { $browser_type: 'bot' } })
    await Promise.all([bots.shutdown(2000), later.shutdown(2000)])
  })
})
