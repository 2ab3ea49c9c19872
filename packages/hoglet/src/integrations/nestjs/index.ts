import { Observable, catchError, throwError } from 'rxjs'
import type { ContextData } from '../../context.js'
import type { IntegrationClient } from '../shared/client-like.js'
import { addProperty, currentUrl, firstHeader, forwardedIp, requestPath, tracingIds } from '../shared/tracing-headers.js'

// The NestJS interceptor of posthog-node (`posthog-node/nestjs`), with its behaviour. The Nest
// types it needs are declared structurally, so only `rxjs` is loaded at run time.

interface HttpArgumentsHost {
  getRequest<T = any>(): T
  getResponse<T = any>(): T
}

interface ExecutionContext {
  switchToHttp(): HttpArgumentsHost
}

interface CallHandler<T = any> {
  handle(): Observable<T>
}

interface NestInterceptor<T = any, R = any> {
  intercept(context: ExecutionContext, next: CallHandler<T>): Observable<R>
}

export interface ExceptionCaptureOptions {
  /** Lowest HTTP status captured: exceptions with a lower status (4xx) are skipped. @default 500 */
  minStatusToCapture?: number
}

export interface PostHogInterceptorOptions {
  /** Capture exceptions thrown by handlers: `true` for the defaults, or an object. @default false */
  captureExceptions?: boolean | ExceptionCaptureOptions
  /**
   * The distinct id of a request (the signed-in user from your auth layer). It wins over the
   * `X-POSTHOG-DISTINCT-ID` header and an enclosing context; `undefined` falls back to those.
   */
  getDistinctId?: (request: any) => string | undefined
}

/** Nest's `HttpException` and friends report their status through `getStatus()`. */
function exceptionStatus(exception: unknown): number | undefined {
  if (exception && typeof exception === 'object' && typeof (exception as { getStatus?: unknown }).getStatus === 'function') {
    const status = (exception as { getStatus(): unknown }).getStatus()
    return typeof status === 'number' ? status : undefined
  }
  return undefined
}

/**
 * Runs each request handler in a fresh context (person and session from the `X-POSTHOG-*`
 * headers or the posthog-js cookie, `getDistinctId` first; `$current_url`, `$request_method`,
 * `$request_path`, `$user_agent`, `$ip`) and, with `captureExceptions`, captures what the
 * handler throws (status 500 and above by default) with `$response_status_code`, then rethrows.
 *
 * @example
 * app.useGlobalInterceptors(new PostHogInterceptor(posthog, { captureExceptions: true }))
 */
export class PostHogInterceptor implements NestInterceptor {
  readonly #client: IntegrationClient
  readonly #captureExceptions: boolean
  readonly #minStatusToCapture: number
  readonly #getDistinctId: ((request: any) => string | undefined) | undefined

  constructor(posthog: IntegrationClient, options?: PostHogInterceptorOptions) {
    this.#client = posthog
    const capture = options?.captureExceptions
    this.#captureExceptions = !!capture
    this.#minStatusToCapture = (typeof capture === 'object' ? capture.minStatusToCapture : undefined) ?? 500
    this.#getDistinctId = options?.getDistinctId
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<any> {
    const http = context.switchToHttp()
    const request = http.getRequest()
    const response = http.getResponse()
    const headers: Record<string, string | string[] | undefined> = request?.headers ?? {}
    const settings = this.#client.config
    const header = (name: string) => headers[name]
    const ids = tracingIds(header, settings)
    const properties: Record<string, unknown> = {}
    addProperty(properties, '$current_url', currentUrl(request?.url, settings))
    addProperty(properties, '$request_method', request?.method)
    addProperty(properties, '$request_path', requestPath(request?.path ?? request?.url, settings))
    addProperty(properties, '$user_agent', firstHeader(header('user-agent')))
    addProperty(properties, '$ip', forwardedIp(header, request?.socket?.remoteAddress))

    return new Observable((subscriber) => {
      const existing = this.#client.getContext()
      const distinctId = this.#resolveDistinctId(request) ?? ids.distinctId ?? existing?.distinctId
      const sessionId = ids.sessionId ?? existing?.sessionId
      const data: ContextData = { properties }
      if (sessionId !== undefined) data.sessionId = sessionId
      if (distinctId !== undefined) data.distinctId = distinctId
      return this.#client.withContext(
        data,
        () => {
          let source = next.handle()
          if (this.#captureExceptions) {
            source = source.pipe(
              catchError((exception: unknown) => {
                const status = exceptionStatus(exception)
                if (status === undefined || status >= this.#minStatusToCapture) {
                  const responseStatus = status ?? response?.statusCode
                  this.#client.captureException(exception, distinctId, responseStatus !== undefined ? { $response_status_code: responseStatus } : undefined)
                }
                return throwError(() => exception)
              }),
            )
          }
          return source.subscribe(subscriber)
        },
        { fresh: true },
      )
    })
  }

  /** A `getDistinctId` that throws or answers a blank string counts as no answer. */
  #resolveDistinctId(request: unknown): string | undefined {
    if (!this.#getDistinctId) return undefined
    try {
      const id = this.#getDistinctId(request)
      return typeof id === 'string' && id.trim() ? id : undefined
    } catch {
      return undefined
    }
  }
}
