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

/** The parts of a Fastify request the integration reads. */
export interface FastifyRequestLike {
  method: string
  url: string
  protocol?: string
  ip?: string
  headers: Record<string, string | string[] | undefined>
}

/** The parts of a Fastify reply the integration reads. */
export interface FastifyReplyLike {
  statusCode: number
  elapsedTime?: number
}

type Done = (error?: Error) => void

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (request: any, reply: any, done: Done) => void): unknown
  addHook(name: 'onError', hook: (request: any, reply: any, error: any, done: Done) => void): unknown
  addHook(name: 'onSend', hook: (request: any, reply: any, payload: any) => Promise<unknown>): unknown
  addHook(name: 'onResponse', hook: (request: any, reply: any, done: Done) => void): unknown
}

const MECHANISM = 'middleware:fastify'
const startTimes = new WeakMap<object, number>()

function fastifyFacts(req: FastifyRequestLike): RequestFacts {
  const queryAt = req.url.indexOf('?')
  return {
    method: req.method,
    url: `${req.protocol ?? 'http'}://${nodeHeader(req.headers, 'host') ?? 'localhost'}${req.url}`,
    path: queryAt === -1 ? req.url : req.url.slice(0, queryAt),
    header: (name) => nodeHeader(req.headers, name),
    remoteAddress: req.ip,
  }
}

/**
 * Fastify plugin: runs each request in a hoglet context (ids from the `X-POSTHOG-DISTINCT-ID`
 * / `X-POSTHOG-SESSION-ID` headers or the `distinctId` option, plus `$current_url`,
 * `$request_method`, `$request_path`, `$ip`, `$user_agent`), captures handler errors as
 * `$exception` events, and optionally captures one event per request and flushes for
 * serverless. It applies to the whole app (not encapsulated), like `fastify-plugin` does.
 *
 * @example
 * await app.register(hogletFastify(posthog, { distinctId: (req) => req.user?.id }))
 */
export function hogletFastify<Req extends FastifyRequestLike = FastifyRequestLike>(
  client: IntegrationClient,
  options?: RequestContextOptions<Req>,
) {
  const resolved = resolveRequestOptions(options)
  const { captureExceptions, captureRequests, flushOnResponse, requestEventName, waitUntil, flushTimeoutMs } = resolved
  const holdResponse = flushOnResponse && !waitUntil

  const elapsed = (request: object, reply: FastifyReplyLike): number => {
    const started = startTimes.get(request)
    return started === undefined ? (reply.elapsedTime ?? 0) : performance.now() - started
  }

  async function hogletPlugin(fastify: FastifyInstanceLike): Promise<void> {
    fastify.addHook('onRequest', function hogletRequestContext(request: Req, _reply: FastifyReplyLike, done: Done) {
      if (!shouldTrackRequest(resolved, request)) return done()
      const scope = requestContext(request, fastifyFacts(request), resolved)
      rememberScope(request, scope)
      startTimes.set(request, performance.now())
      client.withContext(scope, () => done())
    })

    if (captureExceptions) {
      fastify.addHook('onError', function hogletCaptureError(request: Req, _reply: FastifyReplyLike, error: unknown, done: Done) {
        const scope = scopeOf(request)
        if (scope && isServerError(error)) captureHandlerError(client, scope, error, MECHANISM)
        done()
      })
    }

    if (holdResponse) {
      // No waitUntil: the response leaves only once the events of this request are delivered.
      fastify.addHook('onSend', async function hogletFlushBeforeSend(request: Req, reply: FastifyReplyLike, payload: unknown) {
        const scope = scopeOf(request)
        if (!scope) return payload
        if (captureRequests) captureRequestEvent(client, scope, requestEventName, reply.statusCode, elapsed(request, reply))
        await flushAfterResponse(client, undefined, flushTimeoutMs)
        return payload
      })
    } else if (captureRequests || flushOnResponse) {
      fastify.addHook('onResponse', function hogletResponseSent(request: Req, reply: FastifyReplyLike, done: Done) {
        const scope = scopeOf(request)
        if (scope) {
          if (captureRequests) captureRequestEvent(client, scope, requestEventName, reply.statusCode, elapsed(request, reply))
          if (flushOnResponse) void flushAfterResponse(client, waitUntil, flushTimeoutMs)
        }
        done()
      })
    }
  }

  // What fastify-plugin sets: share the hooks with the whole app instead of an encapsulated child.
  Object.assign(hogletPlugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'hoglet',
  })
  return hogletPlugin
}
