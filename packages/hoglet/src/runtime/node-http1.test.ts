import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import * as net from 'node:net'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { http1Post, idleConnections } from './node-http1.js'
import type { FetchOptions } from '../fetch-types.js'

// The lean HTTP/1.1 client against real servers on 127.0.0.1: node:http servers for the
// ordinary cases, raw TCP servers for the ones node:http would never produce (a response cut
// short, a body in odd pieces, bytes after the response).

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

interface Listening {
  url: string
  key: string
  connections: () => number
}

async function httpServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<Listening> {
  let connections = 0
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handler(req, res, Buffer.concat(chunks)))
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  closers.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))))
  return { url: `http://127.0.0.1:${port}/batch/`, key: `127.0.0.1:${port}`, connections: () => connections }
}

/** A TCP server that answers each request (once its head and Content-Length body are in) with `answer`. */
async function rawServer(answer: (socket: net.Socket, request: string, index: number) => void): Promise<Listening> {
  let connections = 0
  let index = 0
  const server = net.createServer((socket) => {
    connections++
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = buffered.toString('latin1', 0, end)
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      buffered = buffered.subarray(end + 4 + length)
      answer(socket, head, index++)
    })
    socket.on('error', () => undefined)
  })
  const sockets = new Set<net.Socket>()
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  closers.push(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))))
  return { url: `http://127.0.0.1:${port}/batch/`, key: `127.0.0.1:${port}`, connections: () => connections }
}

const init = (body: string | Uint8Array | undefined = '{"batch":[]}', extra: Partial<FetchOptions> = {}): FetchOptions => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'User-Agent': 'hoglet/test' },
  body: body as FetchOptions['body'],
  ...extra,
})

const post = (url: string, options: FetchOptions = init()) => http1Post(net, url, options)!
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the lean HTTP/1.1 client', () => {
  it('sends the head and body a server reads as an ordinary POST, and reuses the connection', async () => {
    const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = []
    const server = await httpServer((req, res, body) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: gunzipSync(body).toString() })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}')
    })
    const body = gzipSync('{"batch":[{"event":"é"}]}')
    for (let i = 0; i < 3; i++) {
      const response = await post(server.url, init(new Uint8Array(body), { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } }))
      expect(response.status).toBe(200)
      expect(JSON.parse(await response.text())).toEqual({ status: 1 })
    }
    expect(seen).toHaveLength(3)
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/batch/', body: '{"batch":[{"event":"é"}]}' })
    expect(seen[0]!.headers).toMatchObject({ 'content-encoding': 'gzip', 'content-length': String(body.length), connection: 'keep-alive' })
    expect(seen[0]!.headers.host).toBe(server.key)
    expect(server.connections()).toBe(1)
    expect(idleConnections().get(server.key)).toBe(1)
  })

  it('sends a string body as UTF-8 with its byte length', async () => {
    let received = ''
    const server = await httpServer((req, res, body) => {
      received = `${req.headers['content-length']} ${body.toString('utf8')}`
      res.end()
    })
    const response = await post(server.url, init('{"name":"Zoë 🦔"}'))
    expect(response.status).toBe(200)
    expect(received).toBe(`${Buffer.byteLength('{"name":"Zoë 🦔"}')} {"name":"Zoë 🦔"}`)
  })

  it('opens a new connection after the server closes an idle one', async () => {
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
      setTimeout(() => socket.end(), 30) // as a server's keep-alive timeout does
    })
    expect(await (await post(server.url)).text()).toBe('ok')
    expect(idleConnections().get(server.key)).toBe(1)
    await wait(150)
    expect(idleConnections().get(server.key)).toBe(0)
    expect(await (await post(server.url)).text()).toBe('ok')
    expect(server.connections()).toBe(2)
  })

  it('lets a socket go before the Keep-Alive timeout the server announced runs out', async () => {
    // Keep-Alive: timeout=1 with a one-second margin: not reused at all.
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'))
    await post(server.url)
    await wait(5)
    await post(server.url)
    expect(server.connections()).toBe(2)
  })

  it('does not reuse a connection the server answered with Connection: close', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { connection: 'close' }).end('bye'))
    expect(await (await post(server.url)).text()).toBe('bye')
    expect(await (await post(server.url)).text()).toBe('bye')
    expect(server.connections()).toBe(2)
  })

  it('reads a chunked body sent in pieces that split sizes, data and the CRLFs, with trailers', async () => {
    const data = Buffer.from(' wörld, then so') // 16 bytes; split inside the ö below
    expect(data.length).toBe(16)
    const server = await rawServer(async (socket) => {
      const pieces = ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n', '\r\n', '5\r', '\nhel', 'lo\r', '\n', '1', '0;ext=1\r\n', data.subarray(0, 3), data.subarray(3), '\r\n0\r\nX-Trailer: t\r\n', '\r\n']
      for (const piece of pieces) {
        socket.write(piece)
        await wait(2)
      }
    })
    const response = await post(server.url)
    expect(response.headers!.get('x-a')).toBe('1')
    expect(await response.text()).toBe('hello wörld, then so')
    // The whole response was read: the connection is reusable.
    expect(idleConnections().get(server.key)).toBe(1)
  })

  /** Two requests to a server answering every one with `answer`: each reads `body`, and each needed its own connection. */
  async function expectOneConnectionPerRequest(answer: (socket: net.Socket) => void, body: string): Promise<void> {
    const server = await rawServer(answer)
    expect(await (await post(server.url)).text()).toBe(body)
    expect(await (await post(server.url)).text()).toBe(body)
    expect(server.connections()).toBe(2)
  }

  it('reads a body framed by the end of the connection, and does not reuse it', async () => {
    await expectOneConnectionPerRequest((socket) => socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it'), 'all of it')
  })

  it('reads a Content-Length sent twice with the same value, and refuses two different ones', async () => {
    const answers = ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!']
    const server = await rawServer((socket, _head, index) => socket.write(answers[index]!))
    expect(await (await post(server.url)).text()).toBe('ok')
    await expect(post(server.url)).rejects.toThrow(/Content-Length/)
  })

  it('skips interim 1xx answers', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'))
    const response = await post(server.url)
    expect(response.status).toBe(201)
    expect(await response.text()).toBe('{}')
  })

  it('fails a response cut short, and the next request gets a new connection', async () => {
    const server = await rawServer((socket, _head, index) => {
      if (index === 0) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')
        setTimeout(() => socket.destroy(), 5)
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    })
    await expect(post(server.url)).rejects.toThrow(/closed before the response ended/)
    expect(await (await post(server.url)).text()).toBe('ok')
    expect(server.connections()).toBe(2)
  })

  it('fails a request whose connection closes before any answer (a reset after the request was read)', async () => {
    const server = await rawServer((socket) => socket.destroy())
    await expect(post(server.url)).rejects.toThrow()
    expect(idleConnections().get(server.key)).toBe(0)
  })

  it('reports a refused connection with its code', async () => {
    const server = await rawServer(() => undefined)
    await closers.pop()!()
    await expect(post(server.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('answers 413, 503 and Retry-After as they came', async () => {
    const server = await httpServer((req, res) => {
      if (req.headers['x-case'] === 'big') res.writeHead(413, { 'content-type': 'text/plain' }).end('too large')
      else res.writeHead(503, { 'Retry-After': '7' }).end()
    })
    const big = await post(server.url, init('{}', { headers: { 'X-Case': 'big' } }))
    expect([big.status, await big.text()]).toEqual([413, 'too large'])
    const busy = await post(server.url)
    expect([busy.status, busy.headers!.get('Retry-After'), await busy.text()]).toEqual([503, '7', ''])
    expect(server.connections()).toBe(1)
  })

  it('does not reuse a connection that sent bytes after the response', async () => {
    await expectOneConnectionPerRequest((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'), 'ok')
  })

  it('aborts with the signal’s reason and closes the connection', async () => {
    const server = await rawServer(() => undefined) // never answers
    const controller = new AbortController()
    const pending = post(server.url, init('{}', { signal: controller.signal }))
    setTimeout(() => controller.abort(new Error('deadline')), 20)
    await expect(pending).rejects.toThrow('deadline')
    expect(idleConnections().get(server.key)).toBe(0)
    const aborted = new AbortController()
    aborted.abort(new Error('already'))
    await expect(post(server.url, init('{}', { signal: aborted.signal }))).rejects.toThrow('already')
  })

  it('refuses a hostile answer: no status line, a huge head, a bad chunk size', async () => {
    const answers = ['SSH-2.0-OpenSSH\r\n\r\n', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}`, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']
    const server = await rawServer((socket, _head, index) => socket.write(answers[index]!))
    await expect(post(server.url)).rejects.toThrow(/status line/)
    await expect(post(server.url)).rejects.toThrow(/too large/)
    await expect(post(server.url)).rejects.toThrow(/chunk size/)
  })

  it('carries requests in parallel on as many connections, keeping at most four idle', async () => {
    const server = await httpServer((_req, res, body) => setTimeout(() => res.end(body), 20))
    const bodies = Array.from({ length: 6 }, (_, i) => `{"n":${i}}`)
    const texts = await Promise.all(bodies.map(async (b) => (await post(server.url, init(b))).text()))
    expect(texts).toEqual(bodies)
    expect(server.connections()).toBe(6)
    expect(idleConnections().get(server.key)).toBe(4)
  })

  it('sends a large body whole', async () => {
    let length = 0
    const server = await httpServer((_req, res, body) => ((length = body.length), res.end()))
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251)
    expect((await post(server.url, init(body))).status).toBe(200)
    expect(length).toBe(body.length)
  })

  it('leaves a request with a header it cannot write as given to node:http', () => {
    expect(http1Post(net, 'http://127.0.0.1:1/batch/', init('{}', { headers: { 'X-Bad': 'a\r\nInjected: 1' } }))).toBeUndefined()
    expect(http1Post(net, 'http://127.0.0.1:1/batch/', init('{}', { headers: { 'X-Name': 'Zoë' } }))).toBeUndefined()
    expect(http1Post(net, 'http://127.0.0.1:1/batch/', init('{}', { headers: { Host: 'elsewhere' } }))).toBeUndefined()
    expect(http1Post(net, 'http://127.0.0.1:1/batch/', init(undefined, { method: 'GET' }))).toBeUndefined()
  })
})
