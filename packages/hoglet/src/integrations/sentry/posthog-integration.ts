import { injectedReleaseId } from '../../exceptions/release-id.js'
import type { IntegrationClient } from '../shared/client-like.js'

// posthog-node's Sentry integration, with its wire: the `PostHog Person URL` tag built from
// the client's host, a `$exception` for each Sentry event at an allowed level that carries the
// `posthog_distinct_id` tag, with Sentry's own exception list.

/** Sentry's severity levels. */
export type SeverityLevel = 'fatal' | 'error' | 'warning' | 'log' | 'info' | 'debug'

/** Options of `sentryIntegration` (posthog-node's names). */
export type SentryIntegrationOptions = {
  /** Your Sentry organization slug; with `projectId`, each `$exception` gets a `$sentry_url`. */
  organization?: string
  /** The Sentry project id of that link. */
  projectId?: number
  /**
   * Start of the Sentry link (a self-hosted Sentry).
   * @default 'https://sentry.io/organizations/'
   */
  prefix?: string
  /**
   * Sentry event levels that are processed; `'*'` for every level.
   * @default ['error']
   */
  severityAllowList?: SeverityLevel[] | '*'
  /**
   * Capture each processed Sentry event as a `$exception` in PostHog (false: only tag it).
   * @default true
   */
  sendExceptionsToPostHog?: boolean
}

/** Tag your code sets on Sentry events (`Sentry.setTag`) with the PostHog distinct id. */
const POSTHOG_ID_TAG = 'posthog_distinct_id'
/** Tag the integration adds with the link to the person in PostHog. */
const PERSON_URL_TAG = 'PostHog Person URL'
const NAME = 'posthog-node'
const DEFAULT_HOST = 'https://us.i.posthog.com'

type SentryEvent = any
type SentryEventProcessor = any
type SentryHub = any

/**
 * The event processor behind both integrations: returns the event, tagged, and captures the
 * linked `$exception` through `client.capture`.
 */
export function createEventProcessor(
  client: IntegrationClient,
  { organization, projectId, prefix, severityAllowList = ['error'], sendExceptionsToPostHog = true }: SentryIntegrationOptions = {},
): (event: SentryEvent) => SentryEvent {
  return (event: SentryEvent) => {
    const allowed = severityAllowList === '*' || (Array.isArray(severityAllowList) && severityAllowList.includes(event.level))
    if (!allowed) return event
    if (!event.tags) event.tags = {}
    const userId = event.tags[POSTHOG_ID_TAG]
    if (userId === undefined) return event

    const host = client.config?.host ?? DEFAULT_HOST
    event.tags[PERSON_URL_TAG] = new URL(`/project/${client.config?.apiKey ?? ''}/person/${userId}`, host).toString()

    const exceptions: any[] = event.exception?.values || []
    const exceptionList = exceptions.map((exception) => ({
      ...exception,
      stacktrace: exception.stacktrace
        ? {
            ...exception.stacktrace,
            type: 'raw',
            frames: (exception.stacktrace.frames || []).map((frame: object) => ({ ...frame, platform: 'node:javascript' })),
          }
        : undefined,
    }))
    const message = exceptions[0]?.value || event.message
    const properties: Record<string, unknown> = {
      $exception_message: message,
      $exception_type: exceptions[0]?.type,
      $exception_level: event.level,
      $exception_list: exceptionList,
      $sentry_event_id: event.event_id,
      $sentry_exception: event.exception,
      $sentry_exception_message: message,
      $sentry_exception_type: exceptions[0]?.type,
      $sentry_tags: event.tags,
    }
    const releaseId = injectedReleaseId()
    if (releaseId) properties.$release_id = releaseId
    if (organization && projectId) {
      properties.$sentry_url = `${prefix || 'https://sentry.io/organizations/'}${organization}/issues/?project=${projectId}&query=${event.event_id}`
    }
    if (sendExceptionsToPostHog) client.capture({ event: '$exception', distinctId: userId, properties })
    return event
  }
}

/** A Sentry integration object (`Sentry.init({ integrations: [sentryIntegration(posthog)] })`, Sentry 8+). */
export interface SentryIntegration {
  name: string
  processEvent(event: SentryEvent): SentryEvent
}

/**
 * posthog-node's function-style Sentry integration. Set `Sentry.setTag('posthog_distinct_id', id)`
 * for the people whose errors should link; events without the tag are left alone.
 */
export function sentryIntegration(client: IntegrationClient, options?: SentryIntegrationOptions): SentryIntegration {
  const processor = createEventProcessor(client, options)
  return {
    name: NAME,
    processEvent(event: SentryEvent): SentryEvent {
      return processor(event)
    },
  }
}

/** posthog-node's class-style integration for Sentry 7's `setupOnce(addGlobalEventProcessor, getCurrentHub)`. */
export class PostHogSentryIntegration {
  readonly name = NAME
  static readonly POSTHOG_ID_TAG = POSTHOG_ID_TAG
  setupOnce: (addGlobalEventProcessor: (callback: SentryEventProcessor) => void, getCurrentHub: () => SentryHub) => void

  constructor(client: IntegrationClient, organization?: string, prefix?: string, severityAllowList?: SeverityLevel[] | '*', sendExceptionsToPostHog?: boolean) {
    this.setupOnce = (addGlobalEventProcessor, getCurrentHub) => {
      const projectId = getCurrentHub()?.getClient()?.getDsn()?.projectId
      addGlobalEventProcessor(
        createEventProcessor(client, { organization, projectId, prefix, severityAllowList, sendExceptionsToPostHog: sendExceptionsToPostHog ?? true }),
      )
    }
  }
}
