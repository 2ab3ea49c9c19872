import type { AddressInfo } from 'node:net'
import express from 'express'
import { hogletErrorHandler, hogletMiddleware } from '../../src/integrations/express/index.js'
import { randomDelay } from './helpers.js'
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
