import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { hogletHono } from '../../src/integrations/hono/index.js'
import { randomDelay } from './helpers.js'
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
