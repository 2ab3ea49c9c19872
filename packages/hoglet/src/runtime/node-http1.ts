import type { Socket } from 'node:net'
import type { FetchOptions, FetchResponse } from '../fetch-types.js'

/**
 * hoglet's own event POSTs to `http:` hosts, written straight onto a kept-alive TCP socket:
 * node:http costs 150–250 µs of CPU per request on its own (building the ClientRequest, the
 * agent's bookkeeping, the response stream and parser callbacks), this about a quarter of that.
 * It speaks only what those POSTs need: one request at a time per socket, a response framed
 * by Content-Length, chunked transfer encoding or the connection's end, 1xx answers skipped.
 * Whoever calls it has already ruled out everything else (see node-http.ts): `https:`, a
 * patched node:http, a test double for `fetch`, a redirect.
 */

type Net = typeof import('node:net')

/** A response's header block may not be larger than this (node:http's own limit is 16 KiB). */
const MAX_HEAD = 64 * 1024
/** hoglet's endpoints answer a few bytes; a body larger than this is refused, not buffered. */
const MAX_BODY = 16 * 1024 * 1024
/** Idle sockets kept per host; more are closed when they come back. */
const MAX_IDLE = 4
/** How much sooner than the server's `Keep-Alive: timeout` an idle socket is let go of. */
const IDLE_MARGIN_MS = 1_000
const CRLF_CRLF = Buffer.from('\r\n\r\n')
const READ_BUFFER = 16 * 1024
let readBuffer: Buffer | undefined

/** Raised for a response this client cannot read; the request fails as a network error does. */
export class Http1Error extends Error {
  override name = 'Http1Error'
}

interface Origin {
  readonly hostname: string
  readonly port: number
  readonly key: string
  /** `POST <path> HTTP/1.1\r\nHost: <host>\r\n`, the part of the head that depends on the URL alone. */
  readonly headStart: string
}

const origins = new Map<string, Origin>()

function originOf(url: string): Origin {
  let origin = origins.get(url)
  if (origin === undefined) {
    const parsed = new URL(url)
    const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname
    const port = parsed.port === '' ? 80 : Number(parsed.port)
    origin = { hostname, port, key: `${hostname}:${port}`, headStart: `POST ${parsed.pathname}${parsed.search} HTTP/1.1\r\nHost: ${parsed.host}\r\n` }
    // A client posts to a handful of URLs; a bound keeps a misuse from growing this without end.
    if (origins.size >= 64) origins.clear()
    origins.set(url, origin)
  }
  return origin
}

/** A header name (an HTTP token) and a value this client writes as they are: printable ASCII, no CR or LF. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e]*$/

/**
 * The request head for `headers`, or undefined when a name or value cannot be written as it is
 * (then node:http, which refuses it the usual way, takes the request).
 */
function headFor(origin: Origin, headers: Record<string, string>, length: number): string | undefined {
  let head = origin.headStart
  for (const name in headers) {
    const value = headers[name]!
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return undefined
    const lower = name.toLowerCase()
    if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') return undefined
    head += `${name}: ${value}\r\n`
  }
  return `${head}Content-Length: ${length}\r\nConnection: keep-alive\r\n\r\n`
}

/** One kept-alive connection and the exchange it carries, if any. */
class Connection {
  readonly socket: Socket
  readonly #pool: Pool
  /** The exchange in progress; undefined while the socket idles in the pool. */
  exchange: Exchange | undefined
  /** When an idle socket should be let go of (0: only when the server closes it). */
  idleUntil = 0
  closed = false

  constructor(net: Net, pool: Pool, origin: Origin) {
    this.#pool = pool
    // Reads land in one shared buffer, handed over synchronously (no 'data' events, no Buffer per
    // read): the exchange copies what it keeps.
    readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER)
    const onread = {
      buffer: readBuffer,
      callback: (length: number, buffer: Uint8Array): boolean => {
        if (this.exchange !== undefined) this.exchange.receive((buffer as Buffer).subarray(0, length))
        else this.close() // bytes nobody asked for: the connection is out of step
        return true // keep reading
      },
    }
    const socket = net.connect({ host: origin.hostname, port: origin.port, onread })
    socket.setNoDelay(true)
    this.socket = socket
    // Listeners are set once per socket, not per request: each event goes to the exchange in progress.
    socket.on('end', () => this.#ended(undefined))
    socket.on('error', (error: Error) => this.#ended(error))
    socket.on('close', () => this.#ended(undefined))
  }

  #ended(error: Error | undefined): void {
    this.closed = true
    this.#pool.forget(this)
    const exchange = this.exchange
    this.exchange = undefined
    exchange?.connectionEnded(error)
    if (!this.socket.destroyed) this.socket.destroy()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.#pool.forget(this)
    this.socket.destroy()
  }
}

/** The idle connections to one host. */
class Pool {
  readonly idle: Connection[] = []

  take(): Connection | undefined {
    const now = Date.now()
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      if (!c.closed && !c.socket.destroyed && (c.idleUntil === 0 || now < c.idleUntil)) return c
      c.close()
    }
    return undefined
  }

  give(connection: Connection, keepAliveMs: number): void {
    if (this.idle.length >= MAX_IDLE) return connection.close()
    connection.idleUntil = keepAliveMs > 0 ? Date.now() + keepAliveMs : 0
    // An idle socket never keeps the process alive.
    connection.socket.unref()
    this.idle.push(connection)
  }

  forget(connection: Connection): void {
    const at = this.idle.indexOf(connection)
    if (at !== -1) this.idle.splice(at, 1)
  }
}

const pools = new Map<string, Pool>()

/** Reads one response off a connection, resolving or rejecting the request's promise once. */
class Exchange {
  readonly #connection: Connection
  readonly #resolve: (response: FetchResponse) => void
  readonly #reject: (cause: unknown) => void
  readonly #pool: Pool
  #settled = false
  /** Bytes not yet consumed: the head while it is incomplete, a chunk-size line, and so on. */
  #pending: Buffer | undefined
  #status = 0
  #headers: Map<string, string> | undefined
  #keepAlive = true
  #keepAliveMs = 0
  /** 'head' until the header block is read; then how the body is framed. */
  #state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' = 'head'
  #remaining = 0
  readonly #body: Buffer[] = []
  #bodyBytes = 0
  #received = 0

  constructor(connection: Connection, pool: Pool, resolve: (response: FetchResponse) => void, reject: (cause: unknown) => void) {
    this.#connection = connection
    this.#pool = pool
    this.#resolve = resolve
    this.#reject = reject
  }

  /** Takes the bytes just read; `chunk` is only borrowed (the shared read buffer). */
  receive(chunk: Buffer): void {
    if (this.#settled) return
    this.#received += chunk.length
    let data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk])
    this.#pending = undefined
    try {
      while (!this.#settled && data.length > 0) {
        const rest = this.#step(data)
        if (rest === undefined) return
        data = rest
      }
      // Bytes after the response: the connection cannot be trusted for another request.
      if (data.length > 0) this.#connection.close()
    } catch (error) {
      this.fail(error)
    }
  }

  /** Consumes what it can of `data`; the bytes left to go on with, or undefined to wait for more. */
  #step(data: Buffer): Buffer | undefined {
    switch (this.#state) {
      case 'head': {
        const end = data.indexOf(CRLF_CRLF)
        if (end === -1) {
          if (data.length > MAX_HEAD) throw new Http1Error('response head too large')
          return this.#wait(data)
        }
        this.#readHead(data.toString('latin1', 0, end))
        return data.subarray(end + 4)
      }
      case 'length': {
        const taken = Math.min(this.#remaining, data.length)
        if (taken > 0) this.#addBody(data.subarray(0, taken))
        this.#remaining -= taken
        if (this.#remaining === 0) this.#finish()
        return data.subarray(taken)
      }
      case 'chunk-size': {
        const end = data.indexOf('\r\n')
        if (end === -1) {
          if (data.length > 1024) throw new Http1Error('chunk size too long')
          return this.#wait(data)
        }
        const line = data.toString('latin1', 0, end)
        const size = Number.parseInt(line, 16)
        if (!/^[0-9a-fA-F]+(?:[ \t]*;.*)?$/.test(line) || !Number.isSafeInteger(size)) throw new Http1Error('bad chunk size')
        this.#remaining = size
        this.#state = size === 0 ? 'trailers' : 'chunk-data'
        return data.subarray(end + 2)
      }
      case 'chunk-data': {
        const taken = Math.min(this.#remaining, data.length)
        this.#addBody(data.subarray(0, taken))
        this.#remaining -= taken
        if (this.#remaining === 0) this.#state = 'chunk-end'
        return data.subarray(taken)
      }
      case 'chunk-end': {
        if (data.length < 2) return this.#wait(data)
        if (data[0] !== 13 || data[1] !== 10) throw new Http1Error('bad chunk end')
        this.#state = 'chunk-size'
        return data.subarray(2)
      }
      case 'trailers': {
        const end = data.indexOf('\r\n')
        if (end === -1) {
          if (data.length > MAX_HEAD) throw new Http1Error('response head too large')
          return this.#wait(data)
        }
        // An empty line ends the trailers (which hoglet has no use for).
        if (end === 0) this.#finish()
        return data.subarray(end + 2)
      }
      case 'until-close':
        if (data.length > 0) this.#addBody(data)
        return undefined
    }
  }

  #wait(data: Buffer): undefined {
    if (data.length > 0) this.#pending = Buffer.from(data) // a copy: the socket's chunk is not ours to keep
    return undefined
  }

  #readHead(text: string): void {
    const lines = text.split('\r\n')
    const match = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: .*)?$/.exec(lines[0]!)
    if (match === null) throw new Http1Error('no HTTP/1.x status line')
    const status = Number(match[2])
    const headers = new Map<string, string>()
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Http1Error('bad header line')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      const before = headers.get(name)
      headers.set(name, before === undefined ? value : `${before}, ${value}`)
    }
    // 1xx: an interim answer (100 Continue, 103 Early Hints); the response proper follows. 101 switches protocols: not ours.
    if (status < 200) {
      if (status === 101) throw new Http1Error('switched protocols')
      return
    }
    this.#status = status
    this.#headers = headers
    const connection = headers.get('connection')?.toLowerCase() ?? ''
    this.#keepAlive = match[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)
    const hint = /\btimeout=(\d+)/i.exec(headers.get('keep-alive') ?? '')
    if (hint !== null) this.#keepAliveMs = Math.max(Number(hint[1]) * 1000 - IDLE_MARGIN_MS, 1)
    const encoding = headers.get('transfer-encoding')
    const length = headers.get('content-length')
    if (status === 204 || status === 304) {
      this.#remaining = 0
      this.#state = 'length'
    } else if (encoding !== undefined) {
      if (!/^chunked$/i.test(encoding.split(',').pop()!.trim())) {
        this.#keepAlive = false
        this.#state = 'until-close'
      } else this.#state = 'chunk-size'
    } else if (length !== undefined) {
      // Repeated headers arrive joined ("2, 2"): equal values are one length, as node:http reads them.
      const values = new Set(length.split(',').map((v) => v.trim()))
      const [value] = values
      if (values.size !== 1 || !/^\d+$/.test(value!)) throw new Http1Error('bad Content-Length')
      this.#remaining = Number(value)
      if (this.#remaining > MAX_BODY) throw new Http1Error('response body too large')
      this.#state = 'length'
    } else {
      this.#keepAlive = false
      this.#state = 'until-close'
    }
    if (this.#state === 'length' && this.#remaining === 0) this.#finish()
  }

  #addBody(part: Buffer): void {
    this.#bodyBytes += part.length
    if (this.#bodyBytes > MAX_BODY) throw new Http1Error('response body too large')
    this.#body.push(Buffer.from(part))
  }

  #finish(): void {
    this.#settled = true
    const connection = this.#connection
    connection.exchange = undefined
    if (this.#keepAlive && this.#state !== 'until-close' && !connection.closed) this.#pool.give(connection, this.#keepAliveMs)
    else connection.close()
    const body = this.#body
    const text = body.length === 0 ? '' : body.length === 1 ? body[0]!.toString('utf8') : Buffer.concat(body).toString('utf8')
    this.#resolve(toResponse(this.#status, this.#headers!, text))
  }

  /** The connection ended: a response read to its end counts if it was framed by that end. */
  connectionEnded(error: Error | undefined): void {
    if (this.#settled) return
    if (error === undefined && this.#state === 'until-close') return this.#finish()
    this.fail(error ?? new Http1Error(this.#received === 0 ? 'the connection closed before a response' : 'the connection closed before the response ended'))
  }

  fail(cause: unknown): void {
    if (this.#settled) return
    this.#settled = true
    this.#connection.exchange = undefined
    this.#connection.close()
    this.#reject(cause)
  }
}

function toResponse(status: number, headers: Map<string, string>, text: string): FetchResponse {
  return {
    status,
    headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
    text: async () => text,
    json: async () => JSON.parse(text),
    body: null,
  }
}

/**
 * POSTs `init.body` to the `http:` URL `url`, resolving with the whole response; rejects with
 * the cause as it is (a socket error, an `Http1Error`, the signal's reason).
 * Undefined when this client does not take the request (not a POST, a header it does not write as given).
 */
export function http1Post(net: Net, url: string, init: FetchOptions): Promise<FetchResponse> | undefined {
  if (init.method !== 'POST') return undefined
  const origin = originOf(url)
  const body = init.body ?? ''
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  const head = headFor(origin, init.headers, length)
  if (head === undefined) return undefined
  const signal = init.signal
  if (signal?.aborted) return Promise.reject(signal.reason)
  let pool = pools.get(origin.key)
  if (pool === undefined) pools.set(origin.key, (pool = new Pool()))
  // As node:http's agent, a request that fails on a reused socket is not sent again here: the
  // server may have read it before the connection broke (the sender's retries decide).
  const connection = pool.take() ?? new Connection(net, pool, origin)
  return new Promise<FetchResponse>((resolve, reject) => {
    const onAbort = (): void => exchange.fail(signal!.reason)
    const settle =
      <T>(finish: (value: T) => void) =>
      (value: T): void => {
        signal?.removeEventListener('abort', onAbort)
        finish(value)
      }
    const exchange = new Exchange(connection, pool, settle(resolve), settle(reject))
    connection.exchange = exchange
    connection.socket.ref()
    signal?.addEventListener('abort', onAbort, { once: true })
    // The head and a byte body go out in one write (one segment for a small batch).
    if (typeof body === 'string') connection.socket.write(head + body, 'utf8')
    else {
      const out = Buffer.allocUnsafe(head.length + body.byteLength)
      out.write(head, 0, 'latin1')
      out.set(body, head.length)
      connection.socket.write(out)
    }
  })
}

/** Idle connections, for tests: how many each host has. */
export function idleConnections(): Map<string, number> {
  return new Map([...pools].map(([key, pool]) => [key, pool.idle.length]))
}
