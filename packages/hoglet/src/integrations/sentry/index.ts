import { captureCaughtError, type IntegrationClient } from '../shared/client-like.js'

export { createEventProcessor, PostHogSentryIntegration, sentryIntegration } from './posthog-integration.js'
export type { SentryIntegration, SentryIntegrationOptions, SeverityLevel } from './posthog-integration.js'

/** Tag a Sentry event carries with the PostHog distinct id (set it yourself with `Sentry.setTag`, or let the integration). */
export const DISTINCT_ID_TAG = 'posthog_distinct_id'
/** Tag with the link to the person in PostHog. Sentry tag keys allow no spaces, hence the snake case. */
export const PERSON_URL_TAG = 'posthog_person_url'

/** The parts of a Sentry event the integration reads and tags (structural: @sentry/* is never imported). */
export interface SentryEventLike {
  event_id?: string
  type?: string
  level?: string
  message?: string
  tags?: Record<string, unknown>
  exception?: { values?: Array<{ type?: string; value?: string; mechanism?: unknown; stacktrace?: unknown }> }
}

export interface SentryHintLike {
  originalException?: unknown
}

export interface SentryClientLike {
  getDsn?(): { projectId?: string; host?: string } | undefined
}

export interface HogletSentryOptions {
  /**
   * Your Sentry organization slug; with it each linked `$exception` gets a `$sentry_url`
   * pointing at the Sentry issue search for the event id.
   */
  organization?: string
  /**
   * The Sentry project id in that URL.
   * @default the project id of the Sentry client's DSN
   */
  projectId?: string | number
  /**
   * Base URL of the Sentry web app.
   * @default 'https://sentry.io'
   */
  sentryUrl?: string
  /**
   * Base URL of the PostHog web app, for the person link tag. The ingestion hosts
   * `us.i.posthog.com` / `eu.i.posthog.com` map to their app hosts.
   * @default 'https://us.posthog.com'
   */
  posthogHost?: string
  /** PostHog project id; when given, person links point into that project. */
  posthogProjectId?: string | number
  /**
   * Which Sentry events also become `$exception` events in PostHog.
   * @default ['error', 'fatal']
   */
  severityAllowList?: readonly string[] | '*'
  /**
   * Send a linked `$exception` to PostHog for each Sentry error (false: only tag Sentry events).
   * @default true
   */
  sendExceptions?: boolean
}

/** A Sentry integration (`Sentry.init({ integrations: [...] })`). */
export interface HogletSentryIntegration {
  name: string
  processEvent<E extends SentryEventLike>(event: E, hint: SentryHintLike, client: SentryClientLike): E
}

function appHost(host: string): string {
  const trimmed = host.replace(/\/+$/, '')
  return trimmed.replace(/^(https?:\/\/)(us|eu)\.i\.posthog\.com$/, '$1$2.posthog.com')
}

/**
 * Links Sentry errors and PostHog persons both ways. Each Sentry error event is tagged with
 * `posthog_distinct_id` (the tag you set, else the current hoglet context's distinct id) and a
 * `posthog_person_url`; and a `$exception` event is captured in PostHog for the same person,
 * carrying `$sentry_event_id`, `$sentry_url` and the Sentry exception.
 *
 * @example
 * Sentry.init({ dsn, integrations: [hogletSentryIntegration(posthog, { organization: 'acme' })] })
 */
export function hogletSentryIntegration(client: IntegrationClient, options: HogletSentryOptions = {}): HogletSentryIntegration {
  if (options.severityAllowList !== undefined && options.severityAllowList !== '*' && !Array.isArray(options.severityAllowList)) {
    throw new TypeError("The `severityAllowList` option must be an array of levels or '*'.")
  }
  const sentryUrl = (options.sentryUrl ?? 'https://sentry.io').replace(/\/+$/, '')
  const posthogHost = appHost(options.posthogHost ?? 'https://us.posthog.com')
  const personBase = options.posthogProjectId !== undefined ? `${posthogHost}/project/${options.posthogProjectId}/person/` : `${posthogHost}/person/`
  const allowAll = options.severityAllowList === '*'
  const allowed = new Set(allowAll ? [] : (options.severityAllowList ?? ['error', 'fatal']))
  const sendExceptions = options.sendExceptions ?? true

  return {
    name: 'hoglet',
    processEvent(event, hint, sentryClient) {
      // Transactions, check-ins and other non-error events are left alone.
      if (event.type !== undefined) return event
      const tagged = event.tags?.[DISTINCT_ID_TAG]
      const distinctId = typeof tagged === 'string' && tagged !== '' ? tagged : client.getContext()?.distinctId
      if (distinctId !== undefined) {
        ;(event as SentryEventLike).tags = { ...event.tags, [DISTINCT_ID_TAG]: distinctId, [PERSON_URL_TAG]: personBase + encodeURIComponent(distinctId) }
      }
      const level = event.level ?? 'error'
      if (!sendExceptions || !(allowAll || allowed.has(level))) return event

      const first = event.exception?.values?.[0]
      const properties: Record<string, unknown> = {
        $sentry_event_id: event.event_id,
        $sentry_exception: event.exception,
        $sentry_exception_message: first?.value ?? event.message,
        $sentry_exception_type: first?.type,
        $sentry_tags: event.tags,
        $level: level,
      }
      const projectId = options.projectId ?? sentryClient.getDsn?.()?.projectId
      if (options.organization && projectId !== undefined && event.event_id) {
        properties.$sentry_url = `${sentryUrl}/organizations/${options.organization}/issues/?project=${projectId}&query=${event.event_id}`
      }
      const thrown = hint.originalException ?? (first ? { name: first.type ?? 'Error', message: first.value ?? '' } : event.message)
      client.withContext(distinctId !== undefined ? { distinctId } : {}, () => captureCaughtError(client, thrown, properties, 'sentry'))
      return event
    },
  }
}
