import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { registerCaptureRoutes } from './capture/capture-routes.js'
import { CONTROL_PREFIX, registerControlRoutes } from './control/control-routes.js'
import { FaultQueue, type FaultSpec } from './control/faults.js'
import { RequestLog, type RecordedRequest } from './control/request-log.js'
import { FlagRegistry } from './flags/flag-registry.js'
import { registerFlagRoutes } from './flags/flags-routes.js'
import { checkControlAccess, createAccessPolicy, isLoopback } from './http/access.js'
import { HttpError } from './http/errors.js'
import { PUBLIC_CORS, send } from './http/respond.js'
import { Router, normalizePath, type RequestContext } from './http/router.js'
import { silentLogger, type ServerLogger } from './logger.js'
import { Store } from './store/store.js'
import { LiveUpdates } from './ui/live-updates.js'
import { registerUiRoutes } from './ui/ui-routes.js'

/** Options of `startServer`. Every field is optional. */
export interface ServerOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number
  /** Interface to bind. @default '127.0.0.1' */
  host?: string
  /** SQLite file path, or `':memory:'`. @default './hoglet.db' */
  database?: string
  /** JSON or YAML flags file, watched for changes. @default none (no flags until set through the control API) */
  flagsFile?: string
  /** When set, capture and `/flags` accept only this project token. @default any token */
  projectToken?: string
  /**
   * When set, the definitions and remote-config endpoints accept only this Bearer key, and it
   * opens the control API like the control token. @default any Bearer key
   */
  personalApiKey?: string
  /**
   * The secret the control API (`/_hoglet/*`) and the web page require. @default a random
   * token per start, read it from `RunningServer.controlToken`
   */
  controlToken?: string
  /**
   * Host names (besides localhost, 127.0.0.1, ::1 and `host`) the control API and the page
   * answer to, e.g. the machine's LAN name when bound to 0.0.0.0. Any other `Host` is
   * refused there (DNS rebinding). @default []
   */
  allowedHosts?: string[]
  /** Most connections open at once; more are closed on arrival. @default 512 */
  maxConnections?: number
  /** A client must send its request headers within this many milliseconds. @default 10000 */
  headersTimeoutMs?: number
  /** A client must send its whole request (headers and body) within this many milliseconds. @default 60000 */
  requestTimeoutMs?: number
  /** Where to report what the server does. @default silent */
  logger?: ServerLogger
}

/** A running hoglet-server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8010`; use it as the SDK's `host`. */
  url: string
  port: number
  /** The web page's address, carrying the control token (`<url>/?token=…`). */
  pageUrl: string
  /** The secret the control API and the page require. */
  controlToken: string
  /**
   * Headers that open the control API, for `fetch(server.url + '/_hoglet/…', { headers:
   * server.controlHeaders() })`: `{ authorization: 'Bearer <controlToken>' }`.
   */
  controlHeaders(): Record<string, string>
  /** Direct access to the stored data (events, persons, groups). */
  store: Store
  /** The flag definitions being served. */
  flags: FlagRegistry
  /** Queues canned failures, like `POST /_hoglet/faults`. */
  injectFaults(...faults: FaultSpec[]): void
  /** Recorded API requests (newest last), like `GET /_hoglet/requests`. */
  requests(pathPrefix?: string): RecordedRequest[]
  /** Stops accepting connections, closes open ones and the database. Safe to call twice. */
  close(): Promise<void>
}

/** Starts hoglet-server and resolves once it is listening. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts = normalizeOptions(options)
  const logger = opts.logger
  const access = createAccessPolicy(opts)
  const store = new Store(opts.database)
  let registry: FlagRegistry
  try {
    registry = new FlagRegistry(logger, opts.flagsFile)
  } catch (err) {
    store.close()
    throw err
  }
  const faults = new FaultQueue()
  const requests = new RequestLog()
  const live = new LiveUpdates()
  const settings = { quotaLimited: false }
  const router = new Router()

  registerCaptureRoutes(router, {
    projectToken: opts.projectToken,
    store: (events, endpoint) => store.ingestInSlices(events, endpoint, (count, lastId) => live.eventsStored(count, lastId)),
  })
  registerFlagRoutes(router, {
    registry,
    persons: store.persons,
    groups: store.groups,
    projectToken: opts.projectToken,
    personalApiKey: opts.personalApiKey,
    quotaLimited: () => settings.quotaLimited,
  })
  registerControlRoutes(router, { store, registry, faults, requests, live, settings })
  registerUiRoutes(router, (ctx) => checkControlAccess(ctx.req, ctx.query, access, listeningPort))
  const health = () => ({ status: 200, body: { status: 'ok' } })
  router.on('GET', '/_health', health).on('GET', '/_readiness', health).on('GET', '/_liveness', health)
  router.on('GET', '/api/surveys', () => ({ status: 200, body: { surveys: [] } }))
  router.on('GET', '/array/:token/config', () => ({ status: 200, body: {} }))
  router.on('POST', '/i/v1/logs', () => ({ status: 200, body: {} }))
  router.on('POST', '/i/v1/metrics', () => ({ status: 200, body: {} }))
  registry.onChange(() => live.notify('flags'))

  const server = createServer(
    {
      headersTimeout: opts.headersTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      // How often Node looks for connections past those timeouts.
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs),
    },
    (req, res) => {
    // handle() answers every error itself; this is the last line of defence.
    handle(req, res).catch((err) => {
      logger.error(`unhandled error: ${(err as Error).stack ?? err}`)
      if (!res.headersSent) send(res, { status: 500, body: { status: 500, code: 'internal_error', error: 'internal error' } }, 'GET')
    })
  },
  )
  server.keepAliveTimeout = 65_000
  server.maxConnections = opts.maxConnections
  let listeningPort = 0

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      req.resume()
      send(res, { status: 400, body: { status: 400, code: 'invalid_url', error: 'the request target is not a valid URL' } }, method, BASE_HEADERS)
      return
    }
    const path = normalizePath(url.pathname)
    const isControl = path === CONTROL_PREFIX || path.startsWith(CONTROL_PREFIX + '/')
    const isApi = !isControl && path !== '/' && !path.startsWith('/assets')
    // PostHog's API answers any origin; hoglet-server's own state answers none but its own.
    const extra = isApi ? API_HEADERS : BASE_HEADERS
    const ctx: RequestContext = { req, res, method, path, query: url.searchParams, params: {} }
    const record = isApi ? requests.start(method, path, url.searchParams, req.headers) : undefined

    if (isControl) {
      try {
        checkControlAccess(req, url.searchParams, access, listeningPort)
      } catch (err) {
        const e = err as HttpError
        req.resume()
        send(res, { status: e.status, body: { status: e.status, code: e.code, error: e.message } }, method, extra)
        return
      }
    }

    if (method === 'OPTIONS') {
      send(res, { status: 204, headers: { allow: 'GET, POST, OPTIONS, HEAD' } }, method, extra)
      if (record) requests.finish(record, 204, undefined)
      return
    }

    const fault = isApi ? faults.take(path) : undefined
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs)
      if (fault.reset) {
        if (record) record.fault = 'reset'
        req.socket.destroy()
        return
      }
      if (fault.status !== undefined) {
        if (record) record.fault = `status ${fault.status}`
        req.resume()
        const headers: Record<string, string> = { ...fault.headers }
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
        const body = fault.body ?? { status: fault.status, code: 'injected_fault', error: 'fault injected by hoglet-server' }
        send(res, { status: fault.status, headers, body }, method, extra)
        if (record) requests.finish(record, fault.status, undefined)
        return
      }
      if (record) record.fault = `delay ${fault.delayMs}ms`
    }

    let status: number
    try {
      const match = router.match(method === 'HEAD' ? 'HEAD' : method, path)
      if (match === null) throw new HttpError(404, 'not_found', `no route for ${path}`)
      if (match === 'method') throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}`)
      ctx.params = match.params
      const reply = await match.handler(ctx)
      if (!reply) return // the handler owns the response (Server-Sent Events)
      status = reply.status
      send(res, reply, method, extra)
    } catch (caught) {
      const err =
        caught instanceof HttpError
          ? caught
          : new HttpError(500, 'internal_error', `internal error: ${(caught as Error)?.message ?? String(caught)}`)
      if (!(caught instanceof HttpError)) logger.error(`${method} ${path}: ${(caught as Error)?.stack ?? String(caught)}`)
      status = err.status
      // A refused request is what a developer wants to know about ("why is my event not there?").
      if (err.status < 500 && record) logger.warn(`${method} ${path}: ${err.status} ${err.code}: ${err.message}`)
      // Drain what the client is still sending so the connection stays usable.
      if (!req.complete) req.resume()
      send(res, { status: err.status, headers: err.headers, body: { status: err.status, code: err.code, error: err.message } }, method, extra)
    }
    if (record) requests.finish(record, status, ctx.bodyText)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  listeningPort = port
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`
  logger.info(`listening on ${url} (database ${opts.database}, ${registry.definitions.flags.length} flags)`)
  if (!isLoopback(opts.host)) {
    logger.warn(
      `listening on ${opts.host}, which other machines can reach: they can send events and read flags; the control API and the page still need the control token`,
    )
  }
  const controlHeaders = { authorization: `Bearer ${access.controlToken}` }

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    pageUrl: `${url}/?token=${encodeURIComponent(access.controlToken)}`,
    controlToken: access.controlToken,
    controlHeaders: () => ({ ...controlHeaders }),
    store,
    flags: registry,
    injectFaults: (...f) => faults.add(f),
    requests: (prefix) => requests.list(prefix, Number.MAX_SAFE_INTEGER),
    close() {
      closing ??= new Promise<void>((resolve) => {
        live.close()
        registry.close()
        server.close(() => {
          store.close()
          resolve()
        })
        server.closeAllConnections()
      })
      return closing
    },
  }
}

interface NormalizedOptions {
  port: number
  host: string
  database: string
  flagsFile: string | undefined
  projectToken: string | undefined
  personalApiKey: string | undefined
  controlToken: string | undefined
  allowedHosts: string[]
  maxConnections: number
  headersTimeoutMs: number
  requestTimeoutMs: number
  logger: ServerLogger
}

function normalizeOptions(o: ServerOptions): NormalizedOptions {
  const port = o.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('The `port` option must be an integer from 0 to 65535')
  for (const name of ['host', 'database', 'flagsFile', 'projectToken', 'personalApiKey', 'controlToken'] as const) {
    const v = o[name]
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new TypeError(`The \`${name}\` option must be a non-empty string`)
  }
  const logger = o.logger ?? silentLogger
  if (typeof logger.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError('The `logger` option must have `info`, `warn` and `error` methods')
  }
  const allowedHosts = o.allowedHosts ?? []
  if (!Array.isArray(allowedHosts) || !allowedHosts.every((h) => typeof h === 'string' && h !== '')) {
    throw new TypeError('The `allowedHosts` option must be an array of non-empty strings')
  }
  if (o.controlToken !== undefined && o.controlToken.length < 8) throw new RangeError('The `controlToken` option must have at least 8 characters')
  const positive = (name: 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs', fallback: number): number => {
    const v = o[name] ?? fallback
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) throw new RangeError(`The \`${name}\` option must be an integer from 1 to 2^31-1`)
    return v
  }
  const headersTimeoutMs = positive('headersTimeoutMs', 10_000)
  const requestTimeoutMs = positive('requestTimeoutMs', 60_000)
  if (headersTimeoutMs > requestTimeoutMs) throw new RangeError('The `headersTimeoutMs` option must not exceed `requestTimeoutMs`')
  return {
    port,
    host: o.host ?? '127.0.0.1',
    controlToken: o.controlToken,
    allowedHosts,
    maxConnections: positive('maxConnections', 512),
    headersTimeoutMs,
    requestTimeoutMs,
    database: o.database ?? './hoglet.db',
    flagsFile: o.flagsFile,
    projectToken: o.projectToken,
    personalApiKey: o.personalApiKey,
    logger,
  }
}

/** Sent on every answer; the page adds its own (CSP, frames). */
const BASE_HEADERS: Readonly<Record<string, string>> = { 'x-content-type-options': 'nosniff' }
const API_HEADERS: Readonly<Record<string, string>> = { ...PUBLIC_CORS, ...BASE_HEADERS }

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())
