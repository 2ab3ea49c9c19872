import { describe, expect, it } from 'vitest'
import { withHoglet } from '../src/integrations/next/index.js'
import { receivedEvents, serverPerTest } from './helpers/client.js'

// README claims on exception capture: the per-type rate limit of automatic captures (a full
// bucket of 10 lets 9 through, logged once per type, never applied to your own
// captureException calls), an error object captured once only, `$release_id` from
// POSTHOG_RELEASE_ID, and the innermost 50 frames.
const { server, client } = serverPerTest()

const exceptionTypes = (): string[] =>
  receivedEvents(server)
    .filter((e) => e.event === '$exception')
    .map((e) => e.properties.$exception_list[0].type)

class PaymentError extends Error {
  override name = 'PaymentError'
}

/** A fetch-style handler wrapped with withHoglet (a middleware capture, rate limited) that always throws `make()`. */
function failingRoute(c: ReturnType<typeof client>, make: () => Error) {
  return withHoglet(c, async (_request: Request) => {
    throw make()
  })
}

describe('exception rate limit (automatic captures)', () => {
  it('with the default bucket of 10, a burst of 12 handler errors of one type sends 9, and says so once', async () => {
    const warnings: string[] = []
    const c = client({ flushAt: 1000, logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} } })
    const route = failingRoute(c, () => new PaymentError('card declined'))
    for (let i = 0; i < 12; i++) await expect(route(new Request('http://shop.test/pay'))).rejects.toThrow('card declined')
    await c.flush()
    expect(exceptionTypes()).toEqual(Array(9).fill('PaymentError'))
    const limitWarnings = warnings.filter((w) => w.includes('rate-limiting PaymentError'))
    expect(limitWarnings).toHaveLength(1)
  })

  it('limits each type on its own', async () => {
    const c = client({ flushAt: 1000, exceptionRateLimiterBucketSize: 3 })
    const payment = failingRoute(c, () => new PaymentError('declined'))
    const range = failingRoute(c, () => new RangeError('out of range'))
    for (let i = 0; i < 5; i++) await payment(new Request('http://shop.test/pay')).catch(() => {})
    for (let i = 0; i < 5; i++) await range(new Request('http://shop.test/range')).catch(() => {})
    await c.flush()
    const types = exceptionTypes()
    expect(types.filter((t) => t === 'PaymentError')).toHaveLength(2)
    expect(types.filter((t) => t === 'RangeError')).toHaveLength(2)
  })

  it('never limits your own captureException calls', async () => {
    const c = client({ flushAt: 1000, exceptionRateLimiterBucketSize: 2 })
    for (let i = 0; i < 15; i++) c.captureException(new PaymentError(`explicit ${i}`), 'user-1')
    await c.flush()
    expect(exceptionTypes()).toEqual(Array(15).fill('PaymentError'))
  })
})

describe('an error captured twice', () => {
  it('is sent once: a middleware capture, then your own captureException of the same error object', async () => {
    const c = client({ flushAt: 1000 })
    const error = new PaymentError('captured by the middleware first')
    const route = failingRoute(c, () => error)
    try {
      await route(new Request('http://shop.test/pay'))
    } catch (thrown) {
      c.captureException(thrown, 'user-1')
    }
    c.captureException(error, 'user-1')
    // A different error object of the same type and message is a new capture.
    c.captureException(new PaymentError('captured by the middleware first'), 'user-1')
    await c.flush()
    expect(exceptionTypes()).toEqual(['PaymentError', 'PaymentError'])
  })
})

describe('$exception contents', () => {
  it('carries $release_id from POSTHOG_RELEASE_ID (trimmed), and none without it', async () => {
    const c = client({ flushAt: 1000 })
    const before = process.env.POSTHOG_RELEASE_ID
    process.env.POSTHOG_RELEASE_ID = '  v2026.12.1  '
    try {
      c.captureException(new Error('with release'), 'user-1')
    } finally {
      if (before === undefined) delete process.env.POSTHOG_RELEASE_ID
      else process.env.POSTHOG_RELEASE_ID = before
    }
    if (before === undefined) c.captureException(new Error('without release'), 'user-1')
    await c.flush()
    const events = receivedEvents(server)
    expect(events[0].properties.$release_id).toBe('v2026.12.1')
    if (before === undefined) expect(events[1].properties).not.toHaveProperty('$release_id')
  })

  it('keeps the innermost 50 frames of a deep stack, ending at the throw site', async () => {
    const c = client({ flushAt: 1000 })
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 200
    let error: Error
    try {
      const descend = (depth: number): never => {
        if (depth === 0) throw new Error('deep failure')
        return descend(depth - 1)
      }
      try {
        descend(120)
      } catch (e) {
        error = e as Error
      }
    } finally {
      Error.stackTraceLimit = limit
    }
    c.captureException(error!, 'user-1')
    await c.flush()
    const frames = receivedEvents(server)[0].properties.$exception_list[0].stacktrace.frames
    expect(frames).toHaveLength(50)
    // Outermost first: the last frame is where the error was thrown.
    expect(frames.at(-1).context_line).toContain("throw new Error('deep failure')")
    expect(frames.every((f: { function?: string }) => f.function === 'descend')).toBe(true)
  })
})
