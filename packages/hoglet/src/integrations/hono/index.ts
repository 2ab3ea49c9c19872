import type { IntegrationClient } from '../shared/client-like.js'
import { flushAfterResponse } from '../shared/flush-on-response.js'
import { vercelWaitUntil } from '../shared/platform-wait-until.js'
import { isServerError, requestContext, resolveRequestOptions, shouldTrackRequest, type RequestContextOptions } from '../shared/request-context.js'
import { captureHandlerError, captureRequestEvent } from '../shared/request-events.js'
import { webRequestFacts } from '../shared/web-request.js'

export type { RequestContextOptions } from '../shared/request-context.js'
export { HTTP_SERVER_REQUEST_COUNT_METRIC, HTTP_SERVER_REQUEST_DURATION_METRIC, instrumentRequest, posthogHonoMiddleware } from './instrument-request.js'
export type { HonoRequestContextLike, InstrumentRequestOptions } from './instrument-request.js'

/** The parts of Hono's `Context` the middleware uses. */
export interface HonoContextLike {
  req: { raw: Request }
  res: Response
  error?: unknown
  /** Throws on runtimes without an execution context (Node, Bun); Workers and Deno Deploy have one. */
  readonly executionCtx: { waitUntil(promise: Promise<unknown>): void }
  env?: unknown
}

const MECHANISM = 'middleware:hono'

/** Peer address from @hono/node-server's `env.incoming`, when running on Node. */
function nodeRemoteAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress
}

function executionWaitUntil(c: HonoContextLike): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx
    return typeof ctx?.waitUntil === 'function' ? (promise) => ctx.waitUntil(promise) : undefined
  } catch {
    return undefined
  }
}

/**
 * Hono middleware, on every runtime Hono runs on: runs each request in a hoglet context (ids
 * from the `X-POSTHOG-DISTINCT-ID` / `X-POSTHOG-SESSION-ID` headers or the `distinctId`
 * option, plus `$current_url`, `$request_method`, `$request_path`, `$ip`, `$user_agent`),
 * captures handler errors as `$exception` events (Hono's `onError` still answers), and
 * optionally captures one event per request. With `flushOnResponse` the flush goes to
 * `c.executionCtx.waitUntil` where the runtime has it (Cloudflare Workers) or the Vercel
 * request's `waitUntil`, else the response waits for it.
 *
 * @example
 * app.use(hogletHono(posthog, { distinctId: (c) => c.get('userId') }))
 */
export function hogletHono<C extends HonoContextLike = HonoContextLike>(client: IntegrationClient, options?: RequestContextOptions<C>) {
  const resolved = resolveRequestOptions(options)
  const { captureExceptions, captureRequests, flushOnResponse, requestEventName, flushTimeoutMs } = resolved

  return async function hogletRequestContext(c: C, next: () => Promise<void>): Promise<void> {
    if (!shouldTrackRequest(resolved, c)) return next()
    const scope = requestContext(c, webRequestFacts(c.req.raw, nodeRemoteAddress(c.env)), resolved)
    const startedAt = performance.now()
    await client.withContext(scope, () => next())
    if (captureExceptions && c.error !== undefined && isServerError(c.error)) {
      captureHandlerError(client, scope, c.error, MECHANISM, c.res.status)
    }
    if (captureRequests) captureRequestEvent(client, scope, requestEventName, c.res.status, performance.now() - startedAt)
    if (flushOnResponse) await flushAfterResponse(client, resolved.waitUntil ?? executionWaitUntil(c) ?? vercelWaitUntil(), flushTimeoutMs)
  }
}
