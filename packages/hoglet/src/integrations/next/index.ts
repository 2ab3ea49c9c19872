import type { IntegrationClient } from '../shared/client-like.js'
import { flushAfterResponse } from '../shared/flush-on-response.js'
import { vercelWaitUntil, waitUntilFromArguments } from '../shared/platform-wait-until.js'
import { isServerError, requestContext, resolveRequestOptions, shouldTrackRequest, type RequestContextOptions } from '../shared/request-context.js'
import { captureHandlerError, captureRequestEvent } from '../shared/request-events.js'
import { webRequestFacts } from '../shared/web-request.js'

export type { RequestContextOptions } from '../shared/request-context.js'

/** A fetch-style handler: Next.js route handlers (`app/**\/route.ts`), Bun.serve, Deno.serve, Workers. */
export type FetchHandler<Rest extends unknown[]> = (request: Request, ...rest: Rest) => Response | Promise<Response>

const MECHANISM = 'middleware:next'

/**
 * Wraps a web-standard route handler: the handler runs in a hoglet context built from the
 * request (ids from the `X-POSTHOG-DISTINCT-ID` / `X-POSTHOG-SESSION-ID` headers or the
 * `distinctId` option, plus `$current_url`, `$request_method`, `$request_path`, `$ip`,
 * `$user_agent`); a thrown error is captured as `$exception` and re-thrown unchanged.
 * With `flushOnResponse` the flush goes to the platform's `waitUntil`: the `waitUntil` option
 * (Next's `after`, or `waitUntil` from `@vercel/functions`), else one found among the handler's
 * arguments (a Worker's `ctx`, middleware's `event`), else the Vercel request's own; without
 * any the response waits for the flush.
 *
 * @example
 * export const GET = withHoglet(posthog, async (request) => Response.json(await load()), { flushOnResponse: true, waitUntil: after })
 */
export function withHoglet<Rest extends unknown[]>(
  client: IntegrationClient,
  handler: FetchHandler<Rest>,
  options?: RequestContextOptions<Request>,
): (request: Request, ...rest: Rest) => Promise<Response> {
  if (typeof handler !== 'function') throw new TypeError('`withHoglet` needs the route handler function as its second argument.')
  const resolved = resolveRequestOptions(options)
  const { captureExceptions, captureRequests, flushOnResponse, requestEventName, waitUntil, flushTimeoutMs } = resolved

  return async function hogletRouteHandler(request: Request, ...rest: Rest): Promise<Response> {
    if (!shouldTrackRequest(resolved, request)) return handler(request, ...rest)
    const scope = requestContext(request, webRequestFacts(request), resolved)
    const startedAt = performance.now()
    let status = 500
    try {
      const response = await client.withContext(scope, () => handler(request, ...rest))
      status = response.status
      return response
    } catch (error) {
      if (captureExceptions && isServerError(error)) captureHandlerError(client, scope, error, MECHANISM)
      throw error
    } finally {
      if (captureRequests) captureRequestEvent(client, scope, requestEventName, status, performance.now() - startedAt)
      if (flushOnResponse) await flushAfterResponse(client, waitUntil ?? waitUntilFromArguments(rest) ?? vercelWaitUntil(), flushTimeoutMs)
    }
  }
}
