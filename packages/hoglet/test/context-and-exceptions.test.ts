import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog, uuidv7 } from '../src/index.js'
import { createTestServer, type TestServer } from './helpers/test-server.js'
import { eventsNamed, receivedEvents } from './integrations/helpers.js'

describe('client.captureException and request context', () => {
  let sink: TestServer
  let client: PostHog

  beforeEach(async () => {
    sink = await createTestServer()
    client = new PostHog('phc_exceptions', { host: sink.url, flushAt: 1000, flushInterval: 0 })
  })
  afterEach(async () => {
    await client.shutdown(2000)
    await sink.close()
  })

  function failingCall(): never {
    throw new Error('payment provider timeout', { cause: new Error('socket hang up') })
  }

  it('sends $exception with the returned uuid, the distinct id and caller properties', async () => {
    let caught: unknown
    try {
      failingCall()
    } catch (error) {
      caught = error
    }
    const uuid = uuidv7()
    client.captureException(caught, 'user-9', { plan: 'pro' }, uuid)
    await client.flush()
    const [event] = eventsNamed(sink, '$exception')
    expect(event.uuid).toBe(uuid)
    expect(event.distinct_id).toBe('user-9')
    expect(event.properties.plan).toBe('pro')
    const list = event.properties.$exception_list
    expect(list.map((e: any) => e.value)).toEqual(['payment provider timeout', 'socket hang up'])
    expect(list[0].mechanism).toMatchObject({ handled: true, type: 'generic' })
    expect(list[0].stacktrace.frames.at(-1)).toMatchObject({ function: 'failingCall', in_app: true, platform: 'node:javascript' })
    expect(list[0].stacktrace.frames.at(-1).context_line).toContain("throw new Error('payment provider timeout'")
    expect(event.properties).not.toHaveProperty('$exception_fingerprint')
  })

  it('captures the same error object once', async () => {
    const error = new Error('twice')
    client.captureException(error, 'u')
    client.captureException(error, 'u')
    await client.flush()
    expect(eventsNamed(sink, '$exception')).toHaveLength(1)
  })

  it('is personless outside any context, and takes the context person inside one', async () => {
    client.captureException(new Error('nobody'))
    client.withContext({ distinctId: 'ctx-user', sessionId: 'ctx-session', properties: { tenant: 'acme' } }, () => {
      client.captureException(new Error('somebody'))
    })
    await client.flush()
    const [nobody, somebody] = eventsNamed(sink, '$exception')
    expect(nobody.properties.$process_person_profile).toBe(false)
    expect(somebody.distinct_id).toBe('ctx-user')
    expect(somebody.properties.$session_id).toBe('ctx-session')
    expect(somebody.properties.tenant).toBe('acme')
  })

  it('never throws for odd thrown values', async () => {
    const circular: Record<string, unknown> = { name: 'Loop' }
    circular.self = circular
    const values = [null, undefined, 0, Symbol('s'), circular, Object.create(null), 'text']
    for (const value of values) expect(() => client.captureException(value, 'u')).not.toThrow()
    await client.flush()
    expect(eventsNamed(sink, '$exception')).toHaveLength(values.length)
  })

  it('adds context ids and properties to capture(), nested contexts inheriting', async () => {
    await client.withContext({ distinctId: 'outer', sessionId: 's1', properties: { a: 1, b: 1 } }, async () => {
      client.capture({ event: 'outer event' })
      await client.withContext({ properties: { b: 2 } }, async () => {
        await new Promise((r) => setTimeout(r, 2))
        client.capture({ event: 'inner event', properties: { c: 3 } })
        expect(client.getContext()).toEqual({ distinctId: 'outer', sessionId: 's1', properties: { a: 1, b: 2 } })
      })
      client.capture({ event: 'explicit', distinctId: 'someone-else' })
    })
    expect(client.getContext()).toBeUndefined()
    await client.flush()
    const byName = Object.fromEntries(receivedEvents(sink).map((e) => [e.event, e]))
    expect(byName['outer event']).toMatchObject({ distinct_id: 'outer', properties: { a: 1, b: 1, $session_id: 's1' } })
    expect(byName['inner event']).toMatchObject({ distinct_id: 'outer', properties: { a: 1, b: 2, c: 3, $session_id: 's1' } })
    expect(byName['explicit'].distinct_id).toBe('someone-else')
  })

  it('keeps context properties off identify', async () => {
    client.withContext({ distinctId: 'ctx', properties: { tenant: 'acme' } }, () => {
      client.identify({ distinctId: 'ctx', properties: { email: 'a@example.com' } })
    })
    await client.flush()
    const [identify] = eventsNamed(sink, '$identify')
    expect(identify.properties.tenant).toBeUndefined()
  })

  it('with fresh, a nested context inherits nothing', () => {
    client.withContext({ distinctId: 'outer', properties: { a: 1 } }, () => {
      client.withContext({ sessionId: 'only' }, () => expect(client.getContext()).toEqual({ sessionId: 'only' }), { fresh: true })
    })
  })

  it('gives flag calls inside a context its distinct id', async () => {
    sink.route('/flags', { status: 200, body: { flags: {}, errorsWhileComputingFlags: false } })
    await client.withContext({ distinctId: 'flag-user' }, () => client.getAllFlags())
    const [request] = await sink.waitForRequests('/flags', 1)
    expect(request.json.distinct_id).toBe('flag-user')
  })
})
