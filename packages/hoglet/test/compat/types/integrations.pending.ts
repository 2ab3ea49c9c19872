// Type-level compatibility: integrations exported from the main entry, cookie helpers, exceptions.
import {
  PostHog,
  setupExpressErrorHandler,
  setupExpressRequestContext,
  sentryIntegration,
  PostHogSentryIntegration,
  posthogHonoMiddleware,
  readPostHogCookie,
  parsePostHogCookie,
  serializePostHogCookie,
  getPostHogCookieName,
  cookieStoreFromHeader,
  cookieStateToProperties,
  type SentryIntegrationOptions,
  type CookieStore,
  type PostHogCookieState,
} from 'posthog-compat-target'
import express from 'express'

const posthog = new PostHog('phc_key', { readPostHogCookie: { sessionIdleTimeoutSeconds: 1800, optOutCapturingByDefault: false } })
new PostHog('phc_key', { readPostHogCookie: true })

const app = express()
setupExpressRequestContext(posthog, app)
setupExpressErrorHandler(posthog, app)

const sentryOptions: SentryIntegrationOptions = { organization: 'acme', projectId: 1, prefix: 'https://sentry.io/', severityAllowList: ['error'], sendExceptionsToPostHog: true }
const integration = sentryIntegration(posthog, sentryOptions)
const classic = new PostHogSentryIntegration(posthog, 'acme', undefined, '*', true)
void [integration, classic]

const hono = posthogHonoMiddleware(posthog)
void hono

const store: CookieStore = cookieStoreFromHeader('a=b')
const state: PostHogCookieState | null = readPostHogCookie(store, 'phc_key')
const parsed = parsePostHogCookie('%7B%7D')
const props = cookieStateToProperties(state)
const name: string = getPostHogCookieName('phc_key')
const value: string = serializePostHogCookie('anon-1')
void [parsed, props, name, value]

async function exceptions(): Promise<void> {
  await posthog.captureExceptionImmediate(new Error('boom'))
  await posthog.captureExceptionImmediate(new Error('boom'), 'u', { a: 1 })
}
void exceptions
