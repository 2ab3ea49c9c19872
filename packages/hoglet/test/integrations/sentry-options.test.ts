import * as Sentry from '@sentry/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { hogletSentryIntegration, type HogletSentryOptions } from '../../src/integrations/sentry/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { eventsNamed } from './helpers.js'
import { recordingTransport, sentryEvents } from './sentry-recorder.js'

// README claims on `hogletSentryIntegration` options beyond sentry.test.ts: `projectId` and
// `sentryUrl` in `$sentry_url`, `posthogHost` mapping `us.i` to the app host (and no
// `posthogProjectId`), the default `severityAllowList` of error and fatal, `sendExceptions: false`.

let sink: TestServer
let client: PostHog

/** A fresh Sentry client with these options (the previous one closed first, as Sentry asks). */
async function initSentry(options: HogletSentryOptions): Promise<void> {
  await Sentry.close(2000)
  Sentry.init({
    dsn: 'https://publickey@o11.ingest.sentry.io/4242',
    defaultIntegrations: false,
    transport: recordingTransport,
    integrations: [hogletSentryIntegration(client, options)],
  })
}

async function settle(): Promise<void> {
  await Sentry.flush(2000)
  await client.flush()
}

function captureAtLevel(level: Sentry.SeverityLevel, message: string): void {
  client.withContext({ distinctId: 'user-9' }, () =>
    Sentry.withScope((scope) => {
      scope.setLevel(level)
      Sentry.captureException(new Error(message))
    }),
  )
}

beforeAll(async () => {
  sink = await createTestServer()
  client = new PostHog('phc_sentry_options', { host: sink.url, flushAt: 1000, flushInterval: 0 })
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

describe('hogletSentryIntegration options', () => {
  it('projectId and sentryUrl build $sentry_url; posthogHost us.i maps to the app host; no posthogProjectId: /person/<id>', async () => {
    await initSentry({ organization: 'acme', projectId: 99, sentryUrl: 'https://sentry.acme.test/', posthogHost: 'https://us.i.posthog.com' })
    client.withContext({ distinctId: 'user 1' }, () => Sentry.captureException(new Error('boom')))
    await settle()
    expect(sentryEvents[0].tags.posthog_person_url).toBe('https://us.posthog.com/person/user%201')
    const [linked] = eventsNamed(sink, '$exception')
    expect(linked.properties.$sentry_url).toBe(`https://sentry.acme.test/organizations/acme/issues/?project=99&query=${sentryEvents[0].event_id}`)
  })

  it('by default forwards error and fatal exceptions, not warning ones (all three are tagged)', async () => {
    await initSentry({})
    captureAtLevel('error', 'at error')
    captureAtLevel('fatal', 'at fatal')
    captureAtLevel('warning', 'at warning')
    await settle()
    expect(sentryEvents.map((e) => e.tags.posthog_distinct_id)).toEqual(['user-9', 'user-9', 'user-9'])
    expect(eventsNamed(sink, '$exception').map((e) => e.properties.$sentry_exception_message).sort()).toEqual(['at error', 'at fatal'])
    // The default PostHog app host, without a project id.
    expect(sentryEvents[0].tags.posthog_person_url).toBe('https://us.posthog.com/person/user-9')
  })

  it("severityAllowList: '*' forwards every level", async () => {
    await initSentry({ severityAllowList: '*' })
    captureAtLevel('warning', 'at warning')
    captureAtLevel('info', 'at info')
    await settle()
    expect(eventsNamed(sink, '$exception')).toHaveLength(2)
  })

  it('sendExceptions: false only tags the Sentry events', async () => {
    await initSentry({ sendExceptions: false, posthogHost: 'https://eu.i.posthog.com', posthogProjectId: 5 })
    captureAtLevel('error', 'only tagged')
    await settle()
    expect(sentryEvents).toHaveLength(1)
    expect(sentryEvents[0].tags).toMatchObject({ posthog_distinct_id: 'user-9', posthog_person_url: 'https://eu.posthog.com/project/5/person/user-9' })
    expect(eventsNamed(sink, '$exception')).toHaveLength(0)
  })
})
