// Type-level compatibility: every integration and exception export of posthog-node 5.x's
// `.d.ts`, used as its users write it, through the neutral module name the runner maps to
// posthog-node and to hoglet (type-compat.test.ts).
import * as Sentry from '@sentry/node'
import express from 'express'
import { Hono } from 'hono'
import { Controller, Get, Module, type NestInterceptor } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import {
  PostHog,
  PostHogSentryIntegration,
  createEventProcessor,
  cookieStateToProperties,
  cookieStoreFromHeader,
  getPostHogCookieName,
  instrumentRequest,
  parsePostHogCookie,
  posthogHonoMiddleware,
  readPostHogCookie,
  sentryIntegration,
  serializePostHogCookie,
  setupExpressErrorHandler,
  setupExpressRequestContext,
  HTTP_SERVER_REQUEST_COUNT_METRIC,
  HTTP_SERVER_REQUEST_DURATION_METRIC,
  type CookieStore,
  type InstrumentRequestOptions,
  type PostHogCookieState,
  type PostHogOptions,
  type SentryIntegrationOptions,
} from 'posthog-compat-target'
import { PostHogInterceptor, type ExceptionCaptureOptions, type PostHogInterceptorOptions } from 'posthog-compat-target/nestjs'

// ---- Options that exceptions and integrations read ----
const options: PostHogOptions = {
  host: 'https://eu.i.posthog.com',
  enableExceptionAutocapture: true,
  exceptionRateLimiterBucketSize: 20,
  exceptionRateLimiterRefillRate: 2,
  readPostHogCookie: { sessionIdleTimeoutSeconds: 1800, optOutCapturingByDefault: false },
  disable_capture_url_hashes: true,
}
const posthog = new PostHog('phc_project_key', options)
const cookieReading: PostHogOptions = { readPostHogCookie: true }
void cookieReading

// ---- Exceptions ----
export async function exceptions(error: unknown): Promise<void> {
  posthog.captureException(error)
  posthog.captureException(error, 'user-1')
  posthog.captureException(error, 'user-1', { plan: 'pro', 1: 'numeric keys are allowed' })
  posthog.captureException(error, undefined, undefined, '01890e3c-7f8a-7b7c-9d2e-5f3a1b2c3d4e')
  const flags = await posthog.evaluateFlags('user-1')
  posthog.captureException(error, 'user-1', {}, undefined, flags)
  await posthog.captureExceptionImmediate(error)
  await posthog.captureExceptionImmediate(error, 'user-1', { plan: 'pro' }, flags)
  const done: Promise<void> = posthog.captureExceptionImmediate(error, 'user-1')
  await done
}

// ---- Express ----
const app = express()
setupExpressRequestContext(posthog, app)
app.get('/', (_req, res) => {
  posthog.capture({ distinctId: 'user-1', event: 'home viewed' })
  res.send('ok')
})
setupExpressErrorHandler(posthog, app)

// ---- Sentry (function form for Sentry 8+, class form for Sentry 7) ----
const sentryOptions: SentryIntegrationOptions = {
  organization: 'acme',
  projectId: 4242,
  prefix: 'https://sentry.example.com/organizations/',
  severityAllowList: ['error', 'fatal'],
  sendExceptionsToPostHog: true,
}
Sentry.init({ dsn: 'https://key@o1.ingest.sentry.io/1', integrations: [sentryIntegration(posthog, sentryOptions)] })
Sentry.init({ integrations: [sentryIntegration(posthog), sentryIntegration(posthog, { severityAllowList: '*' })] })
const classIntegration = new PostHogSentryIntegration(posthog, 'acme', 'https://sentry.io/organizations/', ['error'], false)
const integrationName: string = classIntegration.name
const idTag: string = PostHogSentryIntegration.POSTHOG_ID_TAG
Sentry.setTag(PostHogSentryIntegration.POSTHOG_ID_TAG, 'user-1')
const processEvent = createEventProcessor(posthog, { organization: 'acme' })
const processed = processEvent({ level: 'error', tags: {} })
void [integrationName, idTag, processed, new PostHogSentryIntegration(posthog)]

// ---- Fetch-API servers (Hono, Workers, route handlers) ----
const hono = new Hono()
hono.use('*', posthogHonoMiddleware(posthog))
hono.use('*', posthogHonoMiddleware(posthog, { ignore: (request) => new URL(request.url).pathname === '/health' }))
const instrumentOptions: InstrumentRequestOptions = { getRoute: () => '/users/:id', ignore: () => false }
export const worker = {
  fetch: (request: Request): Promise<Response> => instrumentRequest(posthog, request, () => hono.fetch(request)),
  fetchWithOptions: (request: Request): Promise<Response> => instrumentRequest(posthog, request, async () => new Response('ok'), instrumentOptions),
}
const metricNames: string[] = [HTTP_SERVER_REQUEST_DURATION_METRIC, HTTP_SERVER_REQUEST_COUNT_METRIC]
void metricNames

// ---- posthog-js cookie helpers ----
export function cookies(cookieHeader: string, nextCookies: { get(name: string): { value: string } | undefined }): Record<string, string> | undefined {
  const store: CookieStore = cookieStoreFromHeader(cookieHeader)
  const name: string = getPostHogCookieName('phc_project_key')
  const fromHeader: PostHogCookieState | null = readPostHogCookie(store, 'phc_project_key')
  const fromNext = readPostHogCookie(nextCookies, 'phc_project_key')
  const parsed = parsePostHogCookie(store.get(name)?.value ?? '')
  if (parsed) {
    const { distinctId, isIdentified, sessionId, deviceId, sessionStartTimestamp, sessionLastActivityTimestamp } = parsed
    void [distinctId, isIdentified, sessionId, deviceId, sessionStartTimestamp, sessionLastActivityTimestamp]
  }
  const value: string = serializePostHogCookie('anonymous-id')
  void [value, fromNext]
  return cookieStateToProperties(fromHeader)
}

// ---- NestJS ----
const captureOptions: ExceptionCaptureOptions = { minStatusToCapture: 400 }
const interceptorOptions: PostHogInterceptorOptions = {
  captureExceptions: captureOptions,
  getDistinctId: (request: { user?: { id: string } }) => request.user?.id,
}
const interceptor: NestInterceptor = new PostHogInterceptor(posthog, interceptorOptions)
void [interceptor, new PostHogInterceptor(posthog), new PostHogInterceptor(posthog, { captureExceptions: true })]

class HealthController {
  check(): string {
    return 'ok'
  }
}
Controller('health')(HealthController)
Get()(HealthController.prototype, 'check', Object.getOwnPropertyDescriptor(HealthController.prototype, 'check')!)
class AppModule {}
Module({ controllers: [HealthController] })(AppModule)

export async function bootstrap(): Promise<void> {
  const nest = await NestFactory.create(AppModule)
  nest.useGlobalInterceptors(new PostHogInterceptor(posthog, { captureExceptions: true }))
  await nest.listen(0)
}
