import type { ContextData } from '../../context.js'
import { unrefTimer } from '../../timers.js'
import { captureCaughtError, type IntegrationClient } from '../shared/client-like.js'
import { addProperty, currentUrl, firstHeader, forwardedIp, requestPath, tracingIds } from '../shared/tracing-headers.js'

// posthog-node's Express helpers, with its behaviour: the request context it builds and the
// `$exception` its error handler sends (every error, status code read from the response).

/** The parts of an Express request these helpers read. */
export interface ExpressSetupRequest {
  method: string
  url: string
  originalUrl?: string
  path?: string
  headers: Record<string, string | string[] | undefined>
  socket?: { remoteAddress?: string }
}

/** The parts of an Express response the error handler watches for its status code. */
export interface ExpressSetupResponse {
  statusCode: number
  headersSent?: boolean
  destroyed?: boolean
  once?(event: 'finish' | 'close', listener: () => void): unknown
  removeListener?(event: 'finish' | 'close', listener: () => void): unknown
}

/** The part of an Express app the setup helpers use. */
export interface ExpressAppLike {
  use(...handlers: any[]): unknown
}

/** How long the error handler waits for the response to learn its status code. */
const STATUS_WAIT_MS = 1000

function requestContextData(client: IntegrationClient, req: ExpressSetupRequest): ContextData {
  const settings = client.config
  const header = (name: string) => req.headers[name]
  const ids = tracingIds(header, settings)
  // An enclosing context's ids win over the request's headers.
  const context = client.getContext()
  const sessionId = context?.sessionId ?? ids.sessionId
  const distinctId = context?.distinctId ?? ids.distinctId
  const properties: Record<string, unknown> = {}
  addProperty(properties, '$current_url', currentUrl(req.originalUrl || req.url, settings))
  addProperty(properties, '$request_method', req.method)
  addProperty(properties, '$request_path', requestPath(req.path, settings))
  addProperty(properties, '$user_agent', firstHeader(header('user-agent')))
  addProperty(properties, '$ip', forwardedIp(header, req.socket?.remoteAddress))
  const data: ContextData = { properties }
  if (sessionId !== undefined) data.sessionId = sessionId
  if (distinctId !== undefined) data.distinctId = distinctId
  return data
}

/**
 * Runs every request in a context (as posthog-node's helper): person and session from the
 * `X-POSTHOG-*` headers (or the posthog-js cookie with `readPostHogCookie`), unless an
 * enclosing context already has them, and `$current_url` (the request target),
 * `$request_method`, `$request_path`, `$user_agent`, `$ip`. Register it before your routes.
 * For hoglet's options (a `distinctId` callback, per-request events, flushing), use `hogletMiddleware`.
 */
export function setupExpressRequestContext(client: IntegrationClient, app: ExpressAppLike): void {
  app.use(function posthogRequestContext(req: ExpressSetupRequest, _res: unknown, next: () => void): void {
    client.withContext(requestContextData(client, req), () => next())
  })
}

/**
 * Captures every error that reaches Express's error handling as an unhandled `$exception`
 * (mechanism `middleware`) with the request's properties, `$session_id` and the
 * `$response_status_code` the response ends with, then passes the error on. Call it after
 * your routes. `hogletErrorHandler` captures only 5xx errors.
 */
export function setupExpressErrorHandler(client: IntegrationClient, app: ExpressAppLike): void {
  app.use(function posthogErrorHandler(error: unknown, req: ExpressSetupRequest, res: ExpressSetupResponse, next: (error: unknown) => void): void {
    const data = requestContextData(client, req)
    const properties: Record<string, unknown> = data.sessionId !== undefined ? { $session_id: data.sessionId, ...data.properties } : { ...data.properties }
    const captured = responseStatus(res).then((status) => {
      if (status !== undefined) properties.$response_status_code = status
      captureCaughtError(client, error, properties, 'middleware', data.distinctId, false)
    })
    void (client.trackPending ? client.trackPending(captured) : captured)
    next(error)
  })
}

/** The response's status once its headers are sent (at most a second's wait); undefined if it never answers. */
function responseStatus(res: ExpressSetupResponse): Promise<number | undefined> {
  if (res.headersSent || res.destroyed || !res.once) return Promise.resolve(res.headersSent ? res.statusCode : undefined)
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      res.removeListener?.('finish', done)
      res.removeListener?.('close', done)
      resolve(res.headersSent ? res.statusCode : undefined)
    }
    const timer = unrefTimer(
      setTimeout(() => {
        res.removeListener?.('finish', done)
        res.removeListener?.('close', done)
        resolve(undefined)
      }, STATUS_WAIT_MS),
    )
    res.once!('finish', done)
    res.once!('close', done)
  })
}
