import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isInvalidEventError, PostHog, type PostHogOptions } from '../../src/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { clientFor, receivedEvents } from '../helpers/client.js'

let server: TestServer
beforeEach(async () => {
  server = await createTestServer()
})
afterEach(async () => {
  await server.close()
})

describe('invalid constructor options throw, naming the option', () => {
  const cases: Array<[PostHogOptions, ErrorConstructor, string]> = [
    [{ flushAt: 'many' as unknown as number }, TypeError, '`flushAt`'],
    [{ flushInterval: Number.POSITIVE_INFINITY }, RangeError, '`flushInterval`'],
    [{ maxQueueSize: 'big' as unknown as number }, TypeError, '`maxQueueSize`'],
    [{ requestTimeout: Number.NaN }, TypeError, '`requestTimeout`'],
    [{ fetchRetryCount: '3' as unknown as number }, TypeError, '`fetchRetryCount`'],
    [{ host: 'ftp://example.com' }, TypeError, '`host`'],
    [{ host: 'not a url' }, TypeError, '`host`'],
    [{ disabled: 'yes' as unknown as boolean }, TypeError, '`disabled`'],
    [{ fetch: 42 as unknown as typeof fetch }, TypeError, '`fetch`'],
    [{ logger: { warn() {} } as never }, TypeError, '`logger`'],
    [{ beforeSend: [() => null, 'x' as never] }, TypeError, '`beforeSend`'],
    [{ superProperties: [] as never }, TypeError, '`superProperties`'],
    [{ secretKey: 'phc_project_key' }, TypeError, '`secretKey`'],
    [{ featureFlagsPollingInterval: '30s' as unknown as number }, TypeError, '`featureFlagsPollingInterval`'],
    [{ persistence: 'disk' as never }, TypeError, '`persistence`'],
    [{ before_send: 'x' as never }, TypeError, '`before_send`'],
    [{ personProfiles: 'sometimes' as never }, TypeError, '`personProfiles`'],
    [{ evaluationContexts: 'web' as never }, TypeError, '`evaluationContexts`'],
  ]
  it.each(cases)('%j', (options, type, name) => {
    expect(() => new PostHog('phc_x', options)).toThrow(type)
    expect(() => new PostHog('phc_x', options)).toThrow(name)
  })
})

describe('bad per-call input is refused, reported and counted; the caller keeps running', () => {
  function setup() {
    const errors: Error[] = []
    const warnings: string[] = []
    const client = clientFor(server, {
      onError: (e) => errors.push(e),
      logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} },
    })
    return { client, errors, warnings }
  }

  it('refuses identify without distinctId', async () => {
    const { client, errors, warnings } = setup()
    let after = false
    client.identify({ properties: { a: 1 } } as never)
    after = true
    expect(after).toBe(true)
    expect(isInvalidEventError(errors[0])).toBe(true)
    expect(errors[0].message).toMatch(/distinctId/)
    expect(warnings[0]).toMatch(/distinctId/)
    expect(client.stats().refused.invalid).toBe(1)
    await client.flush()
    expect(server.requests).toHaveLength(0)
  })

  it('refuses a capture without event, or with nonsense arguments', () => {
    const { client, errors } = setup()
    client.capture({ distinctId: 'u' } as never)
    client.capture({ distinctId: 'u', event: '' })
    client.capture('pageview' as never)
    client.capture(null as never)
    client.capture({ distinctId: 'u', event: 'e', properties: 'x' as never })
    client.capture({ distinctId: 'u', event: 'e', timestamp: 'yesterday' })
    client.capture({ distinctId: 'u', event: 'e', uuid: 'not-a-uuid' })
    client.capture({ distinctId: { id: 1 } as never, event: 'e' })
    expect(errors).toHaveLength(8)
    expect(client.stats().refused.invalid).toBe(8)
  })

  it('refuses circular or BigInt properties at the call; the events around them are delivered', async () => {
    const { client, errors } = setup()
    const circular: Record<string, unknown> = { a: 1 }
    circular.self = circular
    client.capture({ distinctId: 'u', event: 'before' })
    client.capture({ distinctId: 'u', event: 'circular', properties: circular })
    client.capture({ distinctId: 'u', event: 'bigint', properties: { n: 10n } })
    client.identify({ distinctId: 'u', properties: { n: 1n } })
    client.capture({ distinctId: 'u', event: 'after' })
    await client.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['before', 'after'])
    expect(client.stats().refused.invalid).toBe(3)
    expect(errors.map((e) => e.message).join('\n')).toMatch(/circular/i)
    expect(errors.map((e) => e.message).join('\n')).toMatch(/BigInt/i)
  })


  it('refuses properties that JSON writes as something other than an object; toJSON objects and null-prototype ones are sent as JSON writes them', async () => {
    const { client, errors } = setup()
    const boxed = Object.setPrototypeOf(new String('text'), Object.prototype) as Record<string, unknown>
    const polluted = Object.create({ toJSON: () => 'inherited' }) as Record<string, unknown>
    client.capture({ distinctId: 'u', event: 'to-json string', properties: { a: 1, toJSON: () => 'x' } })
    client.capture({ distinctId: 'u', event: 'boxed string', properties: boxed })
    client.capture({ distinctId: 'u', event: 'date', properties: new Date(0) as never })
    client.capture({ distinctId: 'u', event: 'inherited to-json', properties: polluted })
    client.capture({ distinctId: 'u', event: 'to-json object', properties: { secret: 1, toJSON: () => ({ shown: 2 }) } })
    client.capture({ distinctId: 'u', event: 'null prototype', properties: Object.assign(Object.create(null), { n: 3 }) })
    client.capture({ distinctId: 'u', event: 'plain', properties: { p: 4 } })
    expect(client.stats().refused.invalid).toBe(4)
    expect(errors).toHaveLength(4)
    expect(errors.every((e) => /must serialise to a JSON object/.test(e.message))).toBe(true)
    await client.flush()
    const events = receivedEvents(server)
    expect(events.map((e) => e.event)).toEqual(['to-json object', 'null prototype', 'plain'])
    expect(events[0].properties).toMatchObject({ shown: 2 })
    expect(events[0].properties).not.toHaveProperty('secret')
    expect(events[1].properties).toMatchObject({ n: 3, $lib: 'hoglet' })
    expect(events[2].properties).toMatchObject({ p: 4, $lib: 'hoglet' })
  })
  it('queues a snapshot: changing the properties object after capture changes nothing', async () => {
    const { client } = setup()
    const properties: Record<string, unknown> = { step: 1, nested: { a: 1 } }
    client.capture({ distinctId: 'u', event: 'snapshot', properties })
    properties.step = 2
    ;(properties.nested as Record<string, unknown>).a = 2
    await client.flush()
    expect(receivedEvents(server)[0].properties).toMatchObject({ step: 1, nested: { a: 1 } })
  })

  it('drops an event over 900 KiB and reports it; the others are delivered', async () => {
    const { client, errors } = setup()
    client.capture({ distinctId: 'u', event: 'small' })
    client.capture({ distinctId: 'u', event: 'huge', properties: { blob: 'x'.repeat(901 * 1024) } })
    client.capture({ distinctId: 'u', event: 'multibyte', properties: { blob: 'é'.repeat(460 * 1024) } })
    client.capture({ distinctId: 'u', event: 'fits', properties: { blob: 'x'.repeat(880 * 1024) } })
    await client.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['small', 'fits'])
    expect(client.stats().refused.too_large).toBe(2)
    expect(errors.every((e) => /too_large/.test(e.message))).toBe(true)
  })

  it('accepts up to 8 MiB per event on the AI lane', async () => {
    const { client } = setup()
    client.captureAi({ distinctId: 'u', event: '$ai_generation', properties: { input: 'x'.repeat(2 * 1024 * 1024) } })
    await client.flush()
    expect(receivedEvents(server, '/i/v0/ai/batch/')).toHaveLength(1)
  })

  it('refuses an AI event over 8 MiB, counted as too_large, and sends the next one', async () => {
    const { client, errors } = setup()
    client.captureAi({ distinctId: 'u', event: '$ai_generation', properties: { input: 'x'.repeat(8 * 1024 * 1024 + 1024) } })
    client.captureAi({ distinctId: 'u', event: '$ai_generation', properties: { input: 'small' } })
    await client.flush()
    expect(receivedEvents(server, '/i/v0/ai/batch/').map((e) => e.properties.input)).toEqual(['small'])
    expect(client.stats().refused.too_large).toBe(1)
    expect(errors.some((e) => /too_large/.test(e.message))).toBe(true)
  })

  it('a throwing onError, logger or listener does not break capture', async () => {
    const client = clientFor(server, {
      onError: () => {
        throw new Error('onError broke')
      },
      logger: {
        debug() {},
        info() {},
        warn() {
          throw new Error('logger broke')
        },
        error() {
          throw new Error('logger broke')
        },
      },
    })
    client.on('error', () => {
      throw new Error('listener broke')
    })
    client.on('capture', () => {
      throw new Error('listener broke')
    })
    client.capture({ distinctId: 'u' } as never)
    client.capture({ distinctId: 'u', event: 'ok' })
    await client.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['ok'])
  })
})
