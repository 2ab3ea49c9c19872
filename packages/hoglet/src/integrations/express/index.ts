import type { IntegrationClient } from '../shared/client-like.js'
import { flushAfterResponse } from '../shared/flush-on-response.js'
import {
  isServerError,
  nodeHeader,
  requestContext,
  resolveRequestOptions,
  shouldTrackRequest,
  type RequestContextOptions,
  type RequestFacts,
} from '../shared/request-context.js'
import { captureHandlerError, captureRequestEvent } from '../shared/request-events.js'
import { rememberScope, scopeOf } from '../shared/scope-registry.js'

export type { RequestContextOptions } from '../shared/request-context.js'
export { setupExpressErrorHandler, setupExpressRequestContext } from './setup.js'
export type { ExpressAppLike, ExpressSetupRequest, ExpressSetupResponse } from './setup.js'

/** The parts of an Express (4 or 5) request the integration reads. */
export interface ExpressRequestLike {
  method: string
  url: string
  originalUrl?: string
  protocol?: string
  headers: Record<string, string | string[] | undefined>
  socket?: { remoteAddress?: string }
}

/** The parts of an Express response the integration uses. */
export interface ExpressResponseLike {
  statusCode: number
  once(event: 'finish', listener: () => void): unknown
  end: (...args: any[]) => unknown
}

type Next = (error?: unknown) => void

const MECHANISM = 'middleware:express'

function expressFacts(req: ExpressRequestLike): RequestFacts {
  const target = req.originalUrl ?? req.url
  const host = nodeHeader(req.headers, 'host') ?? 'localhost'
  const queryAt = target.indexOf('?')
  return {
    method: req.method,
    url: `${req.protocol ?? 'http'}://${host}${target}`,
    path: queryAt === -1 ? target : target.slice(0, queryAt),
    header: (name) => nodeHeader(req.headers, name),
    remoteAddress: req.socket?.remoteAddress,
  }
}

/**
 * Express middleware: runs each request in a hoglet context (distinct id and session id from
 * the `X-POSTHOG-DISTINCT-ID` / `X-POSTHOG-SESSION-ID` headers or the `distinctId` option,
 * plus `$current_url`, `$request_method`, `$request_path`, `$ip`, `$user_agent`), so every
 * event and flag call made while handling it is attributed to its user and session.
 * Register it before your routes; add `hogletErrorHandler` after them to capture errors.
 *
 * @example
 * app.use(hogletMiddleware(posthog, { distinctId: (req) => req.user?.id }))
 */
export function hogletMiddleware<Req extends ExpressRequestLike = ExpressRequestLike>(
  client: IntegrationClient,
  options?: RequestContextOptions<Req>,
) {
  const resolved = resolveRequestOptions(options)
  const { captureRequests, flushOnResponse, requestEventName, waitUntil, flushTimeoutMs } = resolved
  const holdResponse = flushOnResponse && !waitUntil

  return function hogletRequestContext(req: Req, res: ExpressResponseLike, next: Next): void {
    if (!shouldTrackRequest(resolved, req)) return next()
    const scope = requestContext(req, expressFacts(req), resolved)
    rememberScope(req, scope)
    const startedAt = performance.now()

    if (holdResponse) {
      // No waitUntil: the response leaves only once the events of this request are delivered.
      const end = res.end
      res.end = function hogletEndAfterFlush(this: unknown, ...args: unknown[]) {
        res.end = end
        if (captureRequests) captureRequestEvent(client, scope, requestEventName, res.statusCode, performance.now() - startedAt)
        void flushAfterResponse(client, undefined, flushTimeoutMs).then(() => end.apply(res, args))
        return res
      }
    } else if (captureRequests || flushOnResponse) {
      res.once('finish', function hogletResponseFinished() {
        if (captureRequests) captureRequestEvent(client, scope, requestEventName, res.statusCode, performance.now() - startedAt)
        if (flushOnResponse) void flushAfterResponse(client, waitUntil, flushTimeoutMs)
      })
    }
    client.withContext(scope, () => next())
  }
}

/**
 * Express error middleware: captures errors from route handlers (status 500 and above, or no
 * status) as `$exception` events in the request's context, with `$response_status_code`, then
 * passes the error on unchanged so your error handlers and Express respond as before.
 * Register it after your routes and before your own error handlers.
 */
export function hogletErrorHandler<Req extends ExpressRequestLike = ExpressRequestLike>(
  client: IntegrationClient,
  options?: Pick<RequestContextOptions<Req>, 'captureExceptions'>,
) {
  const capture = options?.captureExceptions ?? true
  return function hogletCaptureError(error: unknown, req: Req, _res: ExpressResponseLike, next: Next): void {
    if (capture && isServerError(error)) {
      const scope = scopeOf(req) ?? client.getContext() ?? {}
      captureHandlerError(client, scope, error, MECHANISM)
    }
    next(error)
  }
}
