import type { ContextData } from '../../context.js'
import type { IntegrationClient } from '../shared/client-like.js'
import { addProperty, requestPath, tracingIds } from '../shared/tracing-headers.js'

// posthog-node's fetch-API request instrumentation (`instrumentRequest`, `posthogHonoMiddleware`),
// its request context part: hoglet has no spans or metrics, so only the context is kept.

/** Name posthog-node gives its request-duration histogram (hoglet records no metrics). */
export const HTTP_SERVER_REQUEST_DURATION_METRIC = 'http.server.request.duration'
/** Name posthog-node gives its request counter (hoglet records no metrics). */
export const HTTP_SERVER_REQUEST_COUNT_METRIC = 'http.server.request.count'

export interface InstrumentRequestOptions {
  /** The matched route pattern; posthog-node names spans and metric series with it (hoglet records neither). */
  getRoute?: (request: Request, response: Response | undefined) => string | undefined
  /** Skip requests (health checks): the handler runs with no context. */
  ignore?: (request: Request) => boolean
}

/** The slice of a Hono `Context` the middleware uses, so `hono` is not a dependency. */
export interface HonoRequestContextLike {
  req: { raw: Request; routePath?: string }
  res: Response
  error?: unknown
}

function pathnameOf(request: Request): string | undefined {
  try {
    return new URL(request.url).pathname
  } catch {
    return undefined
  }
}

/**
 * Runs one fetch-API request (`Request` in, `Response` out: Hono, Bun, Deno, Next route
 * handlers, Workers) in a context: person and session from the `X-POSTHOG-*` headers or the
 * posthog-js cookie (`readPostHogCookie`), unless an enclosing context has them, plus
 * `$request_method`, `$request_path`, `$user_agent`. A thrown error is rethrown.
 *
 * @example
 * export default { fetch: (request: Request) => instrumentRequest(posthog, request, () => app.fetch(request)) }
 */
export async function instrumentRequest(
  client: IntegrationClient,
  request: Request,
  handler: () => Response | Promise<Response>,
  options: InstrumentRequestOptions = {},
): Promise<Response> {
  if (options.ignore?.(request)) return handler()
  const settings = client.config
  const ids = tracingIds((name) => request.headers.get(name) ?? undefined, settings)
  const existing = client.getContext()
  const pathname = pathnameOf(request)
  const properties: Record<string, unknown> = {}
  addProperty(properties, '$request_method', request.method)
  addProperty(properties, '$request_path', pathname ? requestPath(pathname, settings) : undefined)
  addProperty(properties, '$user_agent', request.headers.get('user-agent') ?? undefined)
  const sessionId = existing?.sessionId ?? ids.sessionId
  const distinctId = existing?.distinctId ?? ids.distinctId
  const data: ContextData = { properties }
  if (sessionId !== undefined) data.sessionId = sessionId
  if (distinctId !== undefined) data.distinctId = distinctId
  return await client.withContext(data, () => handler())
}

/**
 * Hono middleware running every request through `instrumentRequest`.
 *
 * @example
 * app.use('*', posthogHonoMiddleware(posthog))
 */
export function posthogHonoMiddleware(
  client: IntegrationClient,
  options: Omit<InstrumentRequestOptions, 'getRoute'> = {},
): (c: HonoRequestContextLike, next: () => Promise<void>) => Promise<void> {
  return async (c, next) => {
    c.res = await instrumentRequest(
      client,
      c.req.raw,
      async () => {
        await next()
        return c.res
      },
      options,
    )
  }
}
