import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { hogletErrorHandler, hogletMiddleware, setupExpressErrorHandler, setupExpressRequestContext } from '../../src/integrations/express/index.js'
import { createTestServer } from '../helpers/test-server.js'
import { eventsNamed, randomDelay } from './helpers.js'
import { runRequestContextSuite } from './request-context.case.test.js'

runRequestContextSuite({
  name: 'Express',
  mechanism: 'middleware:express',
  userFromRequest: (req: express.Request) => (typeof req.query.as === 'string' ? req.query.as : undefined),
  async start(client, options) {
    const app = express()
    // Production mode: the default error page carries no stack trace, so bodies can be compared.
    app.set('env', 'production')
    if (client) app.use(hogletMiddleware(client, options))
    app.get('/work/:i', async (req, res) => {
      await randomDelay(15)
      client?.capture({ event: 'work done', properties: { i: Number(req.params.i) } })
      await randomDelay(15)
      res.send('ok')
    })
    app.get('/boom', async () => {
      await randomDelay(5)
      throw new Error('handler exploded')
    })
    app.get('/user', (_req, res) => {
      client?.capture({ event: 'user seen' })
      res.send('ok')
    })
    if (client) app.use(hogletErrorHandler(client, options))
    const server = app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
})

describe('posthog-node style setup helpers', () => {
  it('setupExpressRequestContext and setupExpressErrorHandler wire the same middleware', async () => {
    const sink = await createTestServer()
    const client = new PostHog('phc_express_setup', { host: sink.url, flushAt: 1000, flushInterval: 0 })
    const app = express()
    app.set('env', 'production')
    setupExpressRequestContext(client, app)
    app.get('/fail', () => {
      throw new Error('setup helper failure')
    })
    setupExpressErrorHandler(client, app)
    const server = app.listen(0, '127.0.0.1')
    try {
      await new Promise<void>((resolve) => server.once('listening', () => resolve()))
      const { port } = server.address() as AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/fail`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'setup-user' } })
      expect(res.status).toBe(500)
      await client.flush()
      const [exception] = eventsNamed(sink, '$exception')
      expect(exception.distinct_id).toBe('setup-user')
      expect(exception.properties.$exception_list[0].value).toBe('setup helper failure')
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await client.shutdown(2000)
      await sink.close()
    }
  })
})
