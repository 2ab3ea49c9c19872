import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { hogletErrorHandler, hogletMiddleware } from '../../src/integrations/express/index.js'
import { Hono } from 'hono'
import { hogletHono } from '../../src/integrations/hono/index.js'
import { withHoglet } from '../../src/integrations/next/index.js'
import { serverPerTest } from '../helpers/client.js'
import { eventsNamed } from './helpers.js'

// README integration claims beyond request-context.case.test.ts: hoglet's own middleware
// captures handler errors of status 500 and above, or with none, never 4xx ones; and with
// `flushOnResponse` and no `waitUntil` option, the flush goes to a `waitUntil` among the handler's
// arguments or the Vercel request's own, and without any the response waits for it, at most
// `flushTimeoutMs` (default 2000).
const { server: sink, client } = serverPerTest({ flushAt: 1000 })

const withStatus = (message: string, status?: number): Error => Object.assign(new Error(message), status === undefined ? {} : { status })

describe('which handler errors are captured', () => {
  it('Express (hogletErrorHandler): no status and 5xx are captured, 4xx are not', async () => {
    const c = client()
    const app = express()
    app.set('env', 'production')
    app.use(hogletMiddleware(c))
    app.get('/fail/:kind', (req) => {
      const kind = req.params.kind
      throw withStatus(`failure ${kind}`, kind === 'none' ? undefined : Number(kind))
    })
    app.use(hogletErrorHandler(c))
    // The application's own last handler answers with the error's status (and keeps stderr quiet).
    app.use((error: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).end()
    })
    const server = app.listen(0, '127.0.0.1')
    try {
      await new Promise<void>((resolve) => server.once('listening', () => resolve()))
      const { port } = server.address() as AddressInfo
      const statuses: number[] = []
      for (const kind of ['none', '404', '422', '500', '503']) statuses.push((await fetch(`http://127.0.0.1:${port}/fail/${kind}`)).status)
      expect(statuses).toEqual([500, 404, 422, 500, 503])
      await c.flush()
      const captured = eventsNamed(sink, '$exception').map((e) => [e.properties.$exception_list[0].value, e.properties.$response_status_code])
      expect(captured).toEqual([
        ['failure none', 500],
        ['failure 500', 500],
        ['failure 503', 503],
      ])
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('fetch-style handlers (withHoglet): the same rule, and the error is re-thrown', async () => {
    const c = client()
    const route = withHoglet(c, async (request: Request) => {
      const kind = new URL(request.url).searchParams.get('kind')!
      throw withStatus(`failure ${kind}`, kind === 'none' ? undefined : Number(kind))
    })
    for (const kind of ['none', '401', '502']) await expect(route(new Request(`http://shop.test/x?kind=${kind}`))).rejects.toThrow(`failure ${kind}`)
    await c.flush()
    expect(eventsNamed(sink, '$exception').map((e) => e.properties.$exception_list[0].value)).toEqual(['failure none', 'failure 502'])
  })
})

describe('flushOnResponse without waitUntil', () => {
  async function timedResponse(options: { flushTimeoutMs?: number }): Promise<{ ms: number; status: number }> {
    const c = client({ requestTimeout: 0 })
    const route = withHoglet(c, async () => {
      c.capture({ event: 'in the request' })
      return new Response('ok')
    }, { flushOnResponse: true, ...options })
    const started = Date.now()
    const response = await route(new Request('http://shop.test/'))
    return { ms: Date.now() - started, status: response.status }
  }

  it('the response waits for the flush: the event is at the server when it returns', async () => {
    const c = client()
    const route = withHoglet(c, async () => {
      c.capture({ distinctId: 'u', event: 'delivered before the response' })
      return new Response('ok')
    }, { flushOnResponse: true })
    await route(new Request('http://shop.test/'))
    expect(eventsNamed(sink, 'delivered before the response')).toHaveLength(1)
  })

  it('waits at most flushTimeoutMs when the flush hangs', async () => {
    sink.route('/batch/', { hang: true })
    const { ms, status } = await timedResponse({ flushTimeoutMs: 300 })
    expect(status).toBe(200)
    expect(ms).toBeGreaterThanOrEqual(290)
    expect(ms).toBeLessThan(1500)
  })

  it('waits at most 2000 ms by default', async () => {
    sink.route('/batch/', { hang: true })
    const { ms } = await timedResponse({})
    expect(ms).toBeGreaterThanOrEqual(1950)
    expect(ms).toBeLessThan(4000)
  })
})

describe('flushOnResponse finds the platform waitUntil', () => {
  it("withHoglet: a waitUntil among the handler's arguments (a Worker's ctx) gets the flush", async () => {
    const c = client()
    const route = withHoglet(c, async (_request: Request, _env: unknown, _ctx: unknown) => {
      c.capture({ distinctId: 'u', event: 'worker event' })
      return new Response('ok')
    }, { flushOnResponse: true })
    const handed: Promise<unknown>[] = []
    const ctx = { waitUntil(p: Promise<unknown>) { handed.push(p) } }
    await route(new Request('http://worker.test/'), {}, ctx)
    expect(handed).toHaveLength(1)
    await handed[0]
    expect(eventsNamed(sink, 'worker event')).toHaveLength(1)
  })

  it("withHoglet and hogletHono: the Vercel request context's waitUntil gets the flush", async () => {
    const key = Symbol.for('@vercel/request-context')
    const handed: Promise<unknown>[] = []
    const global = globalThis as Record<symbol, unknown>
    global[key] = { get: () => ({ waitUntil: (p: Promise<unknown>) => void handed.push(p) }) }
    try {
      const c = client()
      const route = withHoglet(c, async () => {
        c.capture({ distinctId: 'u', event: 'vercel route event' })
        return new Response('ok')
      }, { flushOnResponse: true })
      await route(new Request('http://vercel.test/'))
      const app = new Hono()
      app.use(hogletHono(c, { flushOnResponse: true }))
      app.get('/', (ctx) => {
        c.capture({ distinctId: 'u', event: 'vercel hono event' })
        return ctx.text('ok')
      })
      expect((await app.fetch(new Request('http://vercel.test/'))).status).toBe(200)
      expect(handed).toHaveLength(2)
      await Promise.all(handed)
      expect(eventsNamed(sink, 'vercel route event')).toHaveLength(1)
      expect(eventsNamed(sink, 'vercel hono event')).toHaveLength(1)
    } finally {
      delete global[key]
    }
  })
})
