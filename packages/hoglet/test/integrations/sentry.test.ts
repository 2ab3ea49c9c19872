import * as Sentry from '@sentry/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { hogletSentryIntegration } from '../../src/integrations/sentry/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { eventsNamed } from './helpers.js'
import { recordingTransport, sentryEvents } from './sentry-recorder.js'

describe('Sentry integration with the real @sentry/node', () => {
  let sink: TestServer
  let client: PostHog

  beforeAll(async () => {
    sink = await createTestServer()
    client = new PostHog('phc_sentry_test', { host: sink.url, flushAt: 1000, flushInterval: 0 })
    Sentry.init({
      dsn: 'https://publickey@o11.ingest.sentry.io/4242',
      defaultIntegrations: false,
      transport: recordingTransport,
      integrations: [
        hogletSentryIntegration(client, { organization: 'acme', posthogHost: 'https://eu.i.posthog.com', posthogProjectId: 7 }),
      ],
    })
  })

  afterAll(async () => {
    await Sentry.close(2000)
    await client.shutdown(2000)
    await sink.close()
  })

  beforeEach(() => {
    sentryEvents.length = 0
    sink.requests.length = 0
  })

  async function settle(): Promise<void> {
    await Sentry.flush(2000)
    await client.flush()
  }

  it('tags the Sentry event with the context person and sends a linked $exception to PostHog', async () => {
    const error = new TypeError('checkout failed')
    client.withContext({ distinctId: 'ctx-user', sessionId: 'sess-1' }, () => Sentry.captureException(error))
    await settle()

    expect(sentryEvents).toHaveLength(1)
    const sentryEvent = sentryEvents[0]
    expect(sentryEvent.tags).toMatchObject({
      posthog_distinct_id: 'ctx-user',
      posthog_person_url: 'https://eu.posthog.com/project/7/person/ctx-user',
    })

    const [linked, ...others] = eventsNamed(sink, '$exception')
    expect(others).toHaveLength(0)
    expect(linked.distinct_id).toBe('ctx-user')
    expect(linked.properties.$session_id).toBe('sess-1')
    expect(linked.properties.$sentry_event_id).toBe(sentryEvent.event_id)
    expect(linked.properties.$sentry_url).toBe(`https://sentry.io/organizations/acme/issues/?project=4242&query=${sentryEvent.event_id}`)
    expect(linked.properties.$sentry_exception_type).toBe('TypeError')
    expect(linked.properties.$sentry_exception_message).toBe('checkout failed')
    expect(linked.properties.$exception_list[0]).toMatchObject({ type: 'TypeError', value: 'checkout failed', mechanism: { type: 'sentry' } })
    expect(linked.properties.$exception_list[0].stacktrace.frames.length).toBeGreaterThan(0)
  })

  it('links through the posthog_distinct_id tag set on the Sentry scope', async () => {
    Sentry.withScope((scope) => {
      scope.setTag('posthog_distinct_id', 'tagged-user')
      Sentry.captureException(new Error('tagged failure'))
    })
    await settle()
    expect(sentryEvents[0].tags.posthog_person_url).toBe('https://eu.posthog.com/project/7/person/tagged-user')
    const [linked] = eventsNamed(sink, '$exception')
    expect(linked.distinct_id).toBe('tagged-user')
    expect(linked.properties.$sentry_tags.posthog_distinct_id).toBe('tagged-user')
  })

  it('sends a personless $exception and leaves the Sentry event untagged when nobody is known', async () => {
    Sentry.captureException(new Error('anonymous failure'))
    await settle()
    expect(sentryEvents[0].tags?.posthog_distinct_id).toBeUndefined()
    const [linked] = eventsNamed(sink, '$exception')
    expect(linked.properties.$process_person_profile).toBe(false)
    expect(linked.properties.$sentry_event_id).toBe(sentryEvents[0].event_id)
  })

  it('tags but does not forward Sentry messages below error level', async () => {
    client.withContext({ distinctId: 'info-user' }, () => Sentry.captureMessage('cache warmed', 'info'))
    await settle()
    expect(sentryEvents).toHaveLength(1)
    expect(sentryEvents[0].tags.posthog_distinct_id).toBe('info-user')
    expect(eventsNamed(sink, '$exception')).toHaveLength(0)
  })
})
