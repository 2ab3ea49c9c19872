import Fastify from 'fastify'
import { hogletFastify } from '../../src/integrations/fastify/index.js'
import { randomDelay } from './helpers.js'
import { runRequestContextSuite } from './request-context.case.test.js'

runRequestContextSuite({
  name: 'Fastify',
  mechanism: 'middleware:fastify',
  userFromRequest: (req: { query: Record<string, string> }) => req.query.as,
  async start(client, options) {
    const app = Fastify()
    if (client) await app.register(hogletFastify(client, options))
    app.get<{ Params: { i: string } }>('/work/:i', async (req) => {
      await randomDelay(15)
      client?.capture({ event: 'work done', properties: { i: Number(req.params.i) } })
      await randomDelay(15)
      return 'ok'
    })
    app.get('/boom', async () => {
      await randomDelay(5)
      throw new Error('handler exploded')
    })
    app.get('/user', async () => {
      client?.capture({ event: 'user seen' })
      return 'ok'
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, close: () => app.close() }
  },
})
