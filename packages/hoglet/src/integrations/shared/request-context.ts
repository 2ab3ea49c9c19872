import type { ContextData } from '../../context.js'

/** Header a front end sets so server events join its person (posthog-js `__add_tracing_headers`). */
export const DISTINCT_ID_HEADER = 'x-posthog-distinct-id'
/** Header a front end sets so server events join its session replay. */
export const SESSION_ID_HEADER = 'x-posthog-session-id'

const MAX_HEADER_VALUE = 1000
// C0 and C1 control characters.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g

/** What every framework adapter reads off its own request object. */
export interface RequestFacts {
  method: string
  /** Absolute URL as the client asked for it. */
  url: string
  path: string
  header(name: string): string | undefined
  /** Address of the peer socket, when the framework knows it. */
  remoteAddress?: string
}

/** Options shared by every framework integration. `Req` is the framework's request type. */
export interface RequestContextOptions<Req> {
  /**
   * The distinct id for a request without an `X-POSTHOG-DISTINCT-ID` header, e.g. the logged-in
   * user. Returning undefined leaves the request's events personless.
   */
  distinctId?: (req: Req) => string | undefined
  /** Extra properties for every event of the request. Runs once per request. */
  properties?: (req: Req) => Record<string, unknown> | undefined
  /**
   * Returns false for requests that should get no context and no capture (health checks...).
   * @default every request is tracked
   */
  shouldTrack?: (req: Req) => boolean
  /**
   * Capture errors thrown by route handlers as `$exception` events (status 500 and above, or no status).
   * The framework's own error handling is unchanged.
   * @default true
   */
  captureExceptions?: boolean
  /**
   * Capture one event per request with its status code and duration.
   * @default false
   */
  captureRequests?: boolean
  /**
   * Name of the per-request event of `captureRequests`.
   * @default '$request'
   */
  requestEventName?: string
  /**
   * Serverless: flush the client when each response is done so nothing waits in the queue
   * while the platform freezes or ends the instance. The flush is handed to `waitUntil` when
   * one is available (`waitUntil` option, Hono's `executionCtx`), otherwise the response
   * waits for it (at most `flushTimeoutMs`).
   * @default false
   */
  flushOnResponse?: boolean
  /**
   * The platform's `waitUntil` (e.g. from `@vercel/functions`), used by `flushOnResponse`.
   */
  waitUntil?: (promise: Promise<unknown>) => void
  /**
   * Longest time a response waits for the flush when there is no `waitUntil`.
   * @default 2000
   */
  flushTimeoutMs?: number
}

/** Options normalised once when a middleware is created. */
export interface ResolvedRequestOptions<Req> {
  distinctId: ((req: Req) => string | undefined) | undefined
  properties: ((req: Req) => Record<string, unknown> | undefined) | undefined
  shouldTrack: ((req: Req) => boolean) | undefined
  captureExceptions: boolean
  captureRequests: boolean
  requestEventName: string
  flushOnResponse: boolean
  waitUntil: ((promise: Promise<unknown>) => void) | undefined
  flushTimeoutMs: number
}

export function resolveRequestOptions<Req>(options: RequestContextOptions<Req> = {}): ResolvedRequestOptions<Req> {
  for (const name of ['distinctId', 'properties', 'shouldTrack', 'waitUntil'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`The \`${name}\` option must be a function.`)
    }
  }
  const flushTimeoutMs = options.flushTimeoutMs ?? 2000
  if (!Number.isFinite(flushTimeoutMs) || flushTimeoutMs < 0) {
    throw new RangeError('The `flushTimeoutMs` option must be a non-negative number of milliseconds.')
  }
  const requestEventName = options.requestEventName ?? '$request'
  if (typeof requestEventName !== 'string' || requestEventName === '') {
    throw new TypeError('The `requestEventName` option must be a non-empty string.')
  }
  return {
    distinctId: options.distinctId,
    properties: options.properties,
    shouldTrack: options.shouldTrack,
    captureExceptions: options.captureExceptions ?? true,
    captureRequests: options.captureRequests ?? false,
    requestEventName,
    flushOnResponse: options.flushOnResponse ?? false,
    waitUntil: options.waitUntil,
    flushTimeoutMs,
  }
}

/** First value of a header in Node's `IncomingHttpHeaders` shape (Express, Fastify). */
export function nodeHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * Cleans an id that came from a request header: strings only, control characters removed,
 * trimmed, at most 1000 characters; empty means absent.
 */
export function sanitizeHeaderValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const cleaned = value.replace(CONTROL_CHARS, '').trim().slice(0, MAX_HEADER_VALUE)
  return cleaned === '' ? undefined : cleaned
}

/** The client address: the first `X-Forwarded-For` entry, else `X-Real-IP`, else the socket peer. */
export function clientIp(facts: RequestFacts): string | undefined {
  const forwarded = facts.header('x-forwarded-for')
  if (forwarded) {
    const first = forwarded.split(',')[0]?.trim()
    if (first) return first
  }
  return facts.header('x-real-ip')?.trim() || facts.remoteAddress
}

/**
 * The scope for one request: ids from the PostHog tracing headers (or the `distinctId`
 * option), and the request properties every event in it carries.
 */
export function requestContext<Req>(req: Req, facts: RequestFacts, options: ResolvedRequestOptions<Req>): ContextData {
  const distinctId = sanitizeHeaderValue(facts.header(DISTINCT_ID_HEADER)) ?? callSafely(options.distinctId, req)
  const sessionId = sanitizeHeaderValue(facts.header(SESSION_ID_HEADER))
  const userAgent = facts.header('user-agent')
  const properties: Record<string, unknown> = {
    $current_url: facts.url,
    $request_method: facts.method,
    $request_path: facts.path,
  }
  const ip = clientIp(facts)
  if (ip) properties.$ip = ip
  if (userAgent) {
    properties.$user_agent = userAgent
    properties.$raw_user_agent = userAgent
  }
  const extra = callSafely(options.properties, req)
  if (extra) Object.assign(properties, extra)
  const data: ContextData = { properties }
  if (distinctId !== undefined) data.distinctId = distinctId
  if (sessionId !== undefined) data.sessionId = sessionId
  return data
}

/** Status an error asks for (`status` / `statusCode`, as http-errors and most frameworks set). */
export function errorStatus(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const e = error as { status?: unknown; statusCode?: unknown }
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined
  return status !== undefined && status >= 100 && status < 600 ? status : undefined
}

/** Server errors are worth an `$exception`; a thrown 404 or 401 is the app working as designed. */
export function isServerError(error: unknown): boolean {
  const status = errorStatus(error)
  return status === undefined || status >= 500
}

/** A user callback that throws must not fail the request it describes; it counts as "no answer". */
function callSafely<Req, R>(fn: ((req: Req) => R | undefined) | undefined, req: Req): R | undefined {
  if (!fn) return undefined
  try {
    return fn(req) ?? undefined
  } catch {
    return undefined
  }
}

/** Whether to track a request; a `shouldTrack` that throws means "track" (the default). */
export function shouldTrackRequest<Req>(options: ResolvedRequestOptions<Req>, req: Req): boolean {
  if (!options.shouldTrack) return true
  try {
    return options.shouldTrack(req) !== false
  } catch {
    return true
  }
}
