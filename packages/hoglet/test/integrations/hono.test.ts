import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { hogletHono } from '../../src/integrations/hono/index.js'
import { createTestServer } from '../helpers/test-server.js'
import { eventsNamed, randomDelay } from './helpers.js'
import { runRequestContextSuite } from './request-context.case.test.js'

runRequestContextSuite({
  name: 'Hono',
  mechanism: 'middleware:hono',
  userFromRequest: (c: Context) => c.req.query('as'),
  async start(client, options) {
    const app = new Hono()
    if (client) app.use(hogletHono(client, options))
    app.get('/work/:i', async (c) => {
      await randomDelay(15)
      client?.capture({ event: 'work done', properties: { i: Number(c.req.param('i')) } })
      await randomDelay(15)
      return c.text('ok')
    })
    app.get('/boom', async () => {
      await randomDelay(5)
      throw new Error('handler exploded')
    })
    app.get('/user', (c) => {
      client?.capture({ event: 'user seen' })
      return c.text('ok')
    })
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    })
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
})

describe('Hono on a runtime with an execution context (Workers)', () => {
  it('hands the flush to c.executionCtx.waitUntil instead of holding the response', async () => {
    const sink = await createTestServer()
    const client = new PostHog('phc_hono_worker', { host: sink.url, flushAt: 1000, flushInterval: 0 })
    try {
      const app = new Hono()
      app.use(hogletHono(client, { flushOnResponse: true }))
      app.get('/hello', (c) => {
        client.capture({ event: 'hello served' })
        return c.text('hi')
      })
      const waited: Promise<unknown>[] = []
      const executionCtx = { waitUntil: (p: Promise<unknown>) => void waited.push(p), passThroughOnException: () => {}, props: {} }
      const response = await app.fetch(new Request('http://worker.test/hello', { headers: { 'X-POSTHOG-DISTINCT-ID': 'worker-user' } }), {}, executionCtx)
      expect(await response.text()).toBe('hi')
      expect(waited).toHaveLength(1)
      await Promise.all(waited)
      expect(eventsNamed(sink, 'hello served').map((e) => [e.distinct_id, e.properties.$current_url])).toEqual([['worker-user', 'http://worker.test/hello']])
    } finally {
      await client.shutdown(2000)
      await sink.close()
    }
  })
})
