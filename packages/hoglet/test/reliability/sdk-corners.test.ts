import { describe, expect, it } from 'vitest'
import type { PostHog } from '../../src/index.js'
import { receivedEvents, serverPerTest } from '../helpers/client.js'
import { expectStatsIdentity } from '../helpers/stats-identity.js'

// Regression tests for the corners where events were lost silently or a call threw.

const { server, client } = serverPerTest()

const warnings: string[] = []
const recordingLogger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(String(m)), error() {} }

const remoteFlags = {
  flags: { beta: { key: 'beta', enabled: true, variant: null, reason: { code: 'condition_match', condition_index: 0 }, metadata: { id: 1, version: 1 } } },
  errorsWhileComputingFlags: false,
  requestId: 'r1',
}

describe('captures made from SDK callbacks while the queue is full', () => {
  for (const where of ['drop listener', 'onError', 'logger.warn'] as const) {
    it(`are queued or counted (${where})`, async () => {
      let reentrant = 0
      let target: PostHog | undefined
      const nested = (): void => {
        // Bounded: each nested capture can overflow again and call back here.
        if (target && reentrant < 50) {
          reentrant++
          target.capture({ distinctId: 'u', event: `from ${where}` })
        }
      }
      const c = client({
        // The queue holds at least flushAt events; the send loop starts only after the synchronous captures.
        maxQueueSize: 5,
        flushAt: 5,
        onError: where === 'onError' ? nested : undefined,
        logger: where === 'logger.warn' ? { debug() {}, info() {}, warn: nested, error() {} } : undefined,
      })
      target = c
      if (where === 'drop listener') c.on('drop', nested)
      for (let i = 0; i < 20; i++) c.capture({ distinctId: 'u', event: `e${i}` })
      expect(reentrant).toBeGreaterThan(0)
      const stats = c.stats()
      expectStatsIdentity(stats)
      expect(stats.captured).toBe(20 + reentrant)
      expect(stats.queued).toBe(5)
      await c.flush()
      const after = c.stats()
      expectStatsIdentity(after)
      expect(after.delivered).toBe(5)
      expect(receivedEvents(server)).toHaveLength(5)
      expect(after.dropped.queue_full).toBe(after.captured - 5)
    })
  }
})

describe('sendFeatureFlags reads the message once, at capture time', () => {
  it('sends the properties as they were when capture() returned', async () => {
    server.route('/flags/', { body: remoteFlags })
    const c = client()
    const properties: Record<string, unknown> = { plan: 'free', nested: { n: 1 } }
    const uuid = '0190a6b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b'
    c.capture({ distinctId: 'u', event: 'signup', properties, sendFeatureFlags: true, uuid })
    properties.plan = 'pro'
    ;(properties.nested as { n: number }).n = 2
    properties.added = true
    expectStatsIdentity(c.stats())
    expect(c.stats().queued).toBe(1) // waiting for its flag lookup
    await c.flush()
    const [event] = receivedEvents(server)
    expect(event.uuid).toBe(uuid)
    expect(event.properties).toMatchObject({ plan: 'free', nested: { n: 1 }, '$feature/beta': true })
    expect(event.properties.added).toBeUndefined()
    expectStatsIdentity(c.stats())
  })

  it('refuses and reports a message whose getter throws, instead of losing it later', async () => {
    server.route('/flags/', { body: remoteFlags })
    const errors: Error[] = []
    const c = client({ onError: (e) => errors.push(e) })
    const properties = {
      get boom(): never {
        throw new Error('getter exploded')
      },
    }
    c.capture({ distinctId: 'u', event: 'e', properties, sendFeatureFlags: true })
    expect(c.stats().refused.invalid).toBe(1)
    expect(errors.some((e) => /getter exploded/.test(e.message))).toBe(true)
    await c.flush()
    expect(receivedEvents(server)).toHaveLength(0)
    expectStatsIdentity(c.stats())
  })
})

describe('shutdown(timeout) while a batch is being compressed and sent', () => {
  for (const timeout of [0, 1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`reports every event of the batch in its result (${timeout})`, async () => {
      server.route('/batch/', { status: 200, body: { status: 1 }, delayMs: 50 })
      const c = client({ flushAt: 500, maxBatchSize: 500 })
      const big = 'x'.repeat(2000)
      for (let i = 0; i < 500; i++) c.capture({ distinctId: 'u', event: 'e', properties: { i, big } })
      const result = await c.shutdown(timeout)
      expect(result.delivered + result.undelivered).toBe(500)
      if (Number.isNaN(timeout) || timeout === Number.POSITIVE_INFINITY) expect(result).toEqual({ delivered: 500, undelivered: 0, timedOut: false })
      // Nothing is lost later that the result did not report.
      await new Promise((r) => setTimeout(r, 300))
      const stats = c.stats()
      expectStatsIdentity(stats)
      expect(stats.delivered).toBe(result.delivered)
      expect(stats.droppedTotal).toBe(result.undelivered)
      expect(receivedEvents(server)).toHaveLength(result.delivered)
    })
  }
})

describe('timer options a timer cannot hold', () => {
  it('are clamped to 2^31-1 ms with a warning naming the option, and never fire early', async () => {
    warnings.length = 0
    const c = client({ logger: recordingLogger, flushAt: 100, requestTimeout: 2 ** 31, flushInterval: 2 ** 31, fetchRetryMaxDelay: 2 ** 40 })
    expect(c.config.requestTimeout).toBe(2 ** 31 - 1)
    expect(c.config.flushInterval).toBe(2 ** 31 - 1)
    expect(c.config.fetchRetryMaxDelay).toBe(2 ** 31 - 1)
    for (const name of ['requestTimeout', 'flushInterval', 'fetchRetryMaxDelay']) expect(warnings.some((w) => w.includes(`\`${name}\``))).toBe(true)
    for (let i = 0; i < 50; i++) c.capture({ distinctId: 'u', event: 'e' })
    // A raw 2^31 flush interval fired after 1 ms; clamped, the timer stays quiet.
    await new Promise((r) => setTimeout(r, 200))
    expect(server.requests).toHaveLength(0)
    await c.flush()
    expect(c.stats()).toMatchObject({ delivered: 50, droppedTotal: 0 })
  })

  it('a 2^31 ms polling interval polls once, not every millisecond', async () => {
    server.route('/flags/definitions', { body: { flags: [], group_type_mapping: {}, cohorts: {} } })
    const c = client({ personalApiKey: 'phx_test', featureFlagsPollingInterval: 2 ** 31 })
    expect(await c.waitForLocalEvaluationReady(5000)).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    expect(server.requestsTo('/api/feature_flag/local_evaluation').length + server.requestsTo('/flags/definitions').length).toBeLessThanOrEqual(1)
  })
})

describe('drops and refusals', () => {
  it('a beforeSend that returns null emits drop (before_send)', async () => {
    const c = client({ beforeSend: (e) => (e.event === 'secret' ? null : e) })
    const drops: string[] = []
    c.on('drop', ({ reason }) => drops.push(reason))
    c.capture({ distinctId: 'u', event: 'secret' })
    c.capture({ distinctId: 'u', event: 'public' })
    expect(drops).toEqual(['before_send'])
    expect(c.stats().dropped.before_send).toBe(1)
    await c.flush()
    expectStatsIdentity(c.stats())
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['public'])
  })

  it('every drop reason emits drop, with the counts stats() reports', async () => {
    const c = client({ maxQueueSize: 2, flushAt: 2, fetchRetryCount: 0, beforeSend: (e) => (e.event === 'no' ? null : e) })
    const emitted: Record<string, number> = {}
    c.on('drop', ({ reason, count }) => void (emitted[reason] = (emitted[reason] ?? 0) + count))
    c.capture({ distinctId: 'u', event: 'no' }) // before_send
    for (let i = 0; i < 3; i++) c.capture({ distinctId: 'u', event: `q${i}` }) // one queue_full
    server.enqueue('/batch/', { status: 400 })
    await c.flush() // http_4xx
    c.capture({ distinctId: 'u', event: 'retry' })
    server.enqueue('/batch/', { status: 500 })
    await c.flush() // retries_exhausted
    c.capture({ distinctId: 'u', event: 'late' })
    server.route('/batch/', { hang: true })
    const flushing = c.flush()
    await c.shutdown(50) // shutdown
    await flushing
    const stats = c.stats()
    expectStatsIdentity(stats)
    for (const reason of ['before_send', 'queue_full', 'http_4xx', 'retries_exhausted', 'shutdown']) {
      expect(stats.dropped[reason as keyof typeof stats.dropped], reason).toBeGreaterThan(0)
      expect(emitted[reason], reason).toBe(stats.dropped[reason as keyof typeof stats.dropped])
    }
  })

  it('a string `properties` is refused, never spread one key per character', async () => {
    const c = client()
    const huge = 'x'.repeat(5 * 1024 * 1024)
    c.capture({ distinctId: 'u', event: 'e', properties: 'abc' as never })
    c.identify({ distinctId: 'u', properties: huge as never })
    c.setPersonProperties({ distinctId: 'u', propertiesOnce: huge as never })
    c.set({ distinctId: 'u', properties: huge as never })
    c.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: huge as never })
    c.withContext({ distinctId: 'ctx', properties: 'abc' as never }, () => c.capture({ event: 'in context' }))
    expect(c.stats().refused.invalid).toBe(6)
    await c.flush()
    const events = receivedEvents(server)
    expect(events.map((e) => e.event)).toEqual(['in context'])
    expect(events[0].properties['0']).toBeUndefined()
    expect(events[0].distinct_id).toBe('ctx')
  })

  it('withContext with a throwing getter in its data: the context is refused, fn still runs and its own throw propagates', async () => {
    const c = client()
    const throwing = { get sessionId(): string { throw new Error('getter') } }
    const run = () => c.withContext(throwing, () => {
      c.capture({ distinctId: 'u', event: 'no context' })
      throw new Error('from fn')
    })
    expect(run).toThrow('from fn')
    expect(c.stats().refused.invalid).toBe(1)
    c.withContext({ distinctId: 'ctx' }, () => c.capture({ event: 'in context' }))
    await c.flush()
    expect(receivedEvents(server).map((e) => [e.event, e.distinct_id])).toEqual([['no context', 'u'], ['in context', 'ctx']])
  })

  it('capture() refuses a timestamp a Date cannot hold, with beforeSend set, without throwing', () => {
    const c = client({ beforeSend: (e) => e })
    c.capture({ distinctId: 'u', event: 'e', timestamp: 1e16 })
    c.capture({ distinctId: 'u', event: 'e', timestamp: -1e16 })
    expect(c.stats().refused.invalid).toBe(2)
  })
})

describe('calls that used to throw', () => {
  it('withContext(data, 5), enterContext(null), overrideFeatureFlags(undefined), snapshot.only(-1), unregister(Object.create(null))', async () => {
    server.route('/flags/', { body: remoteFlags })
    const errors: Error[] = []
    const c = client({ onError: (e) => errors.push(e) })
    expect(c.withContext({ distinctId: 'u' }, 5 as never)).toBeUndefined()
    expect(() => c.enterContext(null as never)).not.toThrow()
    expect(() => c.overrideFeatureFlags(undefined as never)).not.toThrow()
    const snapshot = await c.evaluateFlags('u')
    expect(snapshot.only(-1 as never).keys).toEqual([])
    expect(() => c.unregister(Object.create(null))).not.toThrow()
    expect(errors.length).toBeGreaterThanOrEqual(4)
    // The overrides were left alone, so remote evaluation still answers.
    expect(await c.getFeatureFlag('beta', 'u')).toBe(true)
  })

  it('flag methods resolve (never reject) with BigInt or circular person properties', async () => {
    server.route('/flags/', { body: remoteFlags })
    const c = client()
    const circular: Record<string, unknown> = {}
    circular.self = circular
    for (const personProperties of [{ big: 10n }, circular]) {
      const options = { personProperties }
      const answers = await Promise.allSettled([
        c.getFeatureFlag('beta', 'u', options),
        c.isFeatureEnabled('beta', 'u', options),
        c.getFeatureFlagPayload('beta', 'u', undefined, options),
        c.getFeatureFlagResult('beta', 'u', options),
        c.getAllFlags('u', options),
        c.getAllFlagsAndPayloads('u', options),
        c.evaluateFlags('u', options),
      ])
      expect(answers.map((a) => a.status)).toEqual(Array(7).fill('fulfilled'))
      expect((answers[0] as PromiseFulfilledResult<unknown>).value).toBeUndefined()
    }
    expect(server.requestsTo('/flags/')).toHaveLength(0)
  })
})
