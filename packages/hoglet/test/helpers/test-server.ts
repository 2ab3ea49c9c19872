import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

/** One request as the loopback server received it, body already decompressed. */
export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** Raw bytes as they arrived on the wire (still gzipped if the client compressed). */
  rawBody: Buffer
  /** The body after undoing `Content-Encoding: gzip`. */
  body: Buffer
  /** `body` parsed as JSON, or undefined when it is not JSON. */
  json: any
  receivedAt: number
}

/** What a route answers: a status, optional headers and body, optional delay; or `hang` to never answer; or `reset` to destroy the socket. */
export interface CannedResponse {
  status?: number
  headers?: Record<string, string>
  body?: unknown
  delayMs?: number
  hang?: boolean
  reset?: boolean
}

export type RouteHandler = (req: RecordedRequest) => CannedResponse | Promise<CannedResponse>

export interface TestServer {
  url: string
  port: number
  requests: RecordedRequest[]
  /** Requests whose path starts with the prefix. */
  requestsTo(pathPrefix: string): RecordedRequest[]
  /** Set the handler for requests whose path starts with `pathPrefix` (longest prefix wins). */
  route(pathPrefix: string, handler: RouteHandler | CannedResponse): void
  /** Queue one-shot answers for a path prefix, used before the route handler. */
  enqueue(pathPrefix: string, ...responses: CannedResponse[]): void
  /** Resolves once `count` requests to `pathPrefix` have been recorded. */
  waitForRequests(pathPrefix: string, count: number, timeoutMs?: number): Promise<RecordedRequest[]>
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 and an ephemeral port that records every request.
 * Unknown paths answer 200 `{"status":1}` so a capture endpoint works with no set-up.
 */
export async function createTestServer(): Promise<TestServer> {
  const requests: RecordedRequest[] = []
  const routes = new Map<string, RouteHandler>()
  const queues = new Map<string, CannedResponse[]>()
  const waiters: Array<() => void> = []

  const longestPrefix = <T>(map: Map<string, T>, path: string): string | undefined => {
    let best: string | undefined
    for (const prefix of map.keys()) {
      if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix
    }
    return best
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks)
      let body = rawBody
      if (String(req.headers['content-encoding'] ?? '').includes('gzip') || (rawBody[0] === 0x1f && rawBody[1] === 0x8b)) {
        try {
          body = gunzipSync(rawBody)
        } catch {
          body = rawBody
        }
      }
      let json: any
      try {
        json = body.length ? JSON.parse(body.toString('utf8')) : undefined
      } catch {
        json = undefined
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body,
        json,
        receivedAt: Date.now(),
      }
      requests.push(recorded)
      for (const wake of waiters.splice(0)) wake()
      void answer(recorded, res)
    })
  })

  async function answer(recorded: RecordedRequest, res: ServerResponse): Promise<void> {
    const queueKey = longestPrefix(queues, recorded.path)
    let canned: CannedResponse | undefined = queueKey ? queues.get(queueKey)!.shift() : undefined
    if (!canned) {
      const routeKey = longestPrefix(routes, recorded.path)
      canned = routeKey ? await routes.get(routeKey)!(recorded) : { status: 200, body: { status: 1 } }
    }
    if (canned.delayMs) await new Promise((r) => setTimeout(r, canned!.delayMs))
    if (canned.hang) return
    if (canned.reset) {
      res.socket?.destroy()
      return
    }
    const payload = canned.body === undefined ? '' : typeof canned.body === 'string' ? canned.body : JSON.stringify(canned.body)
    res.writeHead(canned.status ?? 200, {
      'content-type': typeof canned.body === 'string' ? 'text/plain' : 'application/json',
      ...canned.headers,
    })
    res.end(payload)
  }

  server.keepAliveTimeout = 0
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    requestsTo: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    route(prefix, handler) {
      routes.set(prefix, typeof handler === 'function' ? handler : () => handler)
    },
    enqueue(prefix, ...responses) {
      const queue = queues.get(prefix) ?? []
      queue.push(...responses)
      queues.set(prefix, queue)
    },
    async waitForRequests(prefix, count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const matching = requests.filter((r) => r.path.startsWith(prefix))
        if (matching.length >= count) return matching
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`expected ${count} requests to ${prefix}, saw ${matching.length}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    close() {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
