import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { withHoglet } from '../../src/integrations/next/index.js'
import { randomDelay } from './helpers.js'
import { runRequestContextSuite } from './request-context.case.test.js'

type RouteHandler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>

/**
 * A minimal stand-in for Next.js's app router on Node: it turns each HTTP request into a web
 * `Request`, calls the matching route handler with `{ params }`, answers 500 when the handler
 * throws (as Next does), and writes the `Response` back.
 */
function serveRoutes(routes: Array<[RegExp, RouteHandler]>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = `http://${req.headers.host}${req.url}`
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const request = new Request(url, { method: req.method, headers })
    const path = new URL(url).pathname
    const route = routes.find(([pattern]) => pattern.test(path))
    let response: Response
    try {
      if (!route) response = new Response('not found', { status: 404 })
      else response = await route[1](request, { params: Promise.resolve({ ...route[0].exec(path)!.groups }) })
    } catch {
      response = new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain' } })
    }
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  }
}

runRequestContextSuite({
  name: 'Next.js route handler',
  mechanism: 'middleware:next',
  userFromRequest: (request: Request) => new URL(request.url).searchParams.get('as') ?? undefined,
  async start(client, options) {
    const wrap = (handler: RouteHandler): RouteHandler => (client ? withHoglet(client, handler, options) : handler)
    const routes: Array<[RegExp, RouteHandler]> = [
      [
        /^\/work\/(?<i>\d+)$/,
        wrap(async (_request, { params }) => {
          const { i } = await params
          await randomDelay(15)
          client?.capture({ event: 'work done', properties: { i: Number(i) } })
          await randomDelay(15)
          return new Response('ok')
        }),
      ],
      [
        /^\/boom$/,
        wrap(async () => {
          await randomDelay(5)
          throw new Error('handler exploded')
        }),
      ],
      [
        /^\/user$/,
        wrap(async () => {
          client?.capture({ event: 'user seen' })
          return new Response('ok')
        }),
      ],
    ]
    const server = createServer(serveRoutes(routes))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
})
