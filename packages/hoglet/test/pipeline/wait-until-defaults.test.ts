import { describe, expect, it } from 'vitest'
import { receivedEvents, serverPerTest } from '../helpers/client.js'

// README: with `waitUntil`, the flush comes `waitUntilDebounceMs` (default 50 ms) after the last
// capture, never later than `waitUntilMaxWaitMs` (default 500 ms) after the first. Lower bounds
// are exact (timers never fire early); upper bounds are loose, for a loaded machine.
const { server, client } = serverPerTest({ flushAt: 1000 }, { shutdownMs: 1000 })

describe('waitUntil defaults', () => {
  it('a lone capture is flushed about 50 ms later, in the promise handed to waitUntil', async () => {
    const handed: Promise<unknown>[] = []
    const c = client({ waitUntil: (p) => void handed.push(p) })
    const started = Date.now()
    c.capture({ distinctId: 'u', event: 'lone' })
    expect(handed).toHaveLength(1)
    await handed[0]
    const [request] = server.requestsTo('/batch/')
    expect(request!.receivedAt - started).toBeGreaterThanOrEqual(45)
    expect(request!.receivedAt - started).toBeLessThan(450)
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['lone'])
  })

  it('a steady stream of captures is flushed by the 500 ms max wait', async () => {
    const handed: Promise<unknown>[] = []
    const c = client({ waitUntil: (p) => void handed.push(p) })
    const started = Date.now()
    // A capture every few ms never lets the 50 ms debounce expire.
    let captures = 0
    while (server.requestsTo('/batch/').length === 0 && Date.now() - started < 5000) {
      c.capture({ distinctId: 'u', event: 'steady' })
      captures++
      await new Promise((r) => setTimeout(r, 5))
    }
    const first = server.requestsTo('/batch/')[0]
    expect(first, 'a steady stream of captures starved the flush').toBeDefined()
    expect(first!.receivedAt - started).toBeGreaterThanOrEqual(490)
    expect(first!.receivedAt - started).toBeLessThan(2500)
    await Promise.all(handed)
    await c.flush()
    expect(receivedEvents(server)).toHaveLength(captures)
  })
})
