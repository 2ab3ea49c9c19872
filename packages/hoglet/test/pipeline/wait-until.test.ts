import { describe, expect, it } from 'vitest'
import { clientFor, receivedEvents, serverPerTest } from '../helpers/client.js'

const { server, client, track } = serverPerTest({ flushAt: 1000 }, { shutdownMs: 1000 })

describe('waitUntil option (serverless and edge lifecycle)', () => {
  it('hands one promise per debounce cycle that settles after the events are delivered', async () => {
    const handed: Promise<unknown>[] = []
    const c = client({ waitUntil: (p) => void handed.push(p), waitUntilDebounceMs: 40 })
    for (let i = 0; i < 5; i++) c.capture({ distinctId: 'u', event: `e${i}` })
    expect(handed).toHaveLength(1)
    expect(server.requestsTo('/batch/')).toHaveLength(0)
    await handed[0]
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4'])
  })

  it('each capture pushes the flush back by the debounce, but never past the max wait', async () => {
    const handed: Promise<unknown>[] = []
    const c = client({ waitUntil: (p) => void handed.push(p), waitUntilDebounceMs: 60, waitUntilMaxWaitMs: 150 })
    const started = Date.now()
    // A capture every 20 ms never lets the 60 ms debounce expire: only the max wait can end the
    // cycle, so a batch must arrive while the captures are still going on.
    let captures = 0
    while (server.requestsTo('/batch/').length === 0 && Date.now() - started < 3000) {
      c.capture({ distinctId: 'u', event: 'steady' })
      captures++
      await new Promise((r) => setTimeout(r, 20))
    }
    const first = server.requestsTo('/batch/')[0]
    expect(first, 'a steady stream of captures starved the flush').toBeDefined()
    expect(first!.receivedAt - started).toBeGreaterThanOrEqual(140)
    await Promise.all(handed)
    await c.flush()
    expect(receivedEvents(server)).toHaveLength(captures)
  })

  it('a waitUntil that throws (outside a request) changes nothing: flush() still delivers', async () => {
    const c = client({
      waitUntil: () => {
        throw new Error('no request context')
      },
    })
    c.capture({ distinctId: 'u', event: 'still sent' })
    await c.flush()
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['still sent'])
  })

  it('flush() outside a cycle is handed to waitUntil; shutdown ends an open cycle at once', async () => {
    const handed: Promise<unknown>[] = []
    const c = client({ waitUntil: (p) => void handed.push(p), waitUntilDebounceMs: 10_000, waitUntilMaxWaitMs: 20_000 })
    await c.flush()
    expect(handed).toHaveLength(1)
    c.capture({ distinctId: 'u', event: 'open cycle' })
    expect(handed).toHaveLength(2)
    const started = Date.now()
    const result = await c.shutdown(2000)
    await handed[1]
    expect(Date.now() - started).toBeLessThan(2000)
    expect(result).toMatchObject({ delivered: 1, undelivered: 0, timedOut: false })
  })

  it('validates like posthog-node: a non-function waitUntil throws, negative delays count as 0', () => {
    expect(() => clientFor(server, { waitUntil: 'yes' as never })).toThrow(/`waitUntil`/)
    expect(() => clientFor(server, { waitUntilDebounceMs: 'fast' as never })).toThrow(/`waitUntilDebounceMs`/)
    const c = clientFor(server, { waitUntil: () => {}, waitUntilDebounceMs: -5, waitUntilMaxWaitMs: -1 })
    track(c)
    expect(c.config.waitUntilDebounceMs).toBe(0)
    expect(c.config.waitUntilMaxWaitMs).toBe(0)
  })
})

describe('fetch receiver', () => {
  it('calls a given fetch as a plain function, never as a method of the options', async () => {
    const receivers: unknown[] = []
    const strictFetch = function (this: unknown, input: string, init: RequestInit): Promise<Response> {
      receivers.push(this)
      return globalThis.fetch(input, init)
    }
    const c = client({ fetch: strictFetch })
    c.capture({ distinctId: 'u', event: 'e' })
    await c.flush()
    expect(receivers.length).toBeGreaterThan(0)
    expect(receivers.every((r) => r === undefined)).toBe(true)
  })

  it('uses the global fetch at call time, called on globalThis', async () => {
    const original = globalThis.fetch
    const c = client({})
    const receivers: unknown[] = []
    globalThis.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      receivers.push(this)
      return original(input, init)
    } as typeof fetch
    try {
      c.capture({ distinctId: 'u', event: 'e' })
      await c.flush()
    } finally {
      globalThis.fetch = original
    }
    expect(receivers).toEqual([globalThis])
    expect(receivedEvents(server)).toHaveLength(1)
  })
})
