import * as Sentry from '@sentry/node'
import { describe, expect, it } from 'vitest'
import { API_KEY, bothWires, comparable, type Client, type Library } from './harness.js'

// sentryIntegration / PostHogSentryIntegration of posthog-node and hoglet. The function form
// runs inside the real @sentry/node (events recorded at its transport, no network); the class
// form targets Sentry 7's `setupOnce` contract, driven here the way Sentry 7 calls it.

type Transport = ReturnType<NonNullable<Sentry.NodeOptions['transport']>>

function recordingTransport(into: Array<Record<string, any>>): () => Transport {
  return () => ({
    async send(envelope: unknown) {
      const [, items] = envelope as [unknown, Array<[{ type: string }, unknown]>]
      for (const [header, payload] of items) if (header.type === 'event') into.push(payload as Record<string, any>)
      return {}
    },
    flush: async () => true,
  })
}

/**
 * One failure per run (Sentry skips an error object it has captured before), made at the same
 * place so both have the same stack.
 */
const makeFailures = (): Map<string, Error> => new Map(['posthog-node', 'hoglet'].map((name) => [name, new TypeError('checkout failed')]))

async function withSentry(
  client: Client,
  library: Library,
  sentryEvents: Array<Record<string, any>>,
  options: Record<string, unknown>,
  failures: Map<string, Error>,
): Promise<void> {
  Sentry.init({
    dsn: 'https://publickey@o11.ingest.sentry.io/4242',
    defaultIntegrations: false,
    transport: recordingTransport(sentryEvents),
    integrations: [library.main.sentryIntegration(client as never, options) as never],
  })
  try {
    Sentry.withScope((scope) => {
      scope.setTag('posthog_distinct_id', 'sentry-user')
      Sentry.captureException(failures.get(library.name))
    })
    // No tag: left alone. Below the allow list: left alone.
    Sentry.captureException(new Error('untagged'))
    Sentry.withScope((scope) => {
      scope.setTag('posthog_distinct_id', 'sentry-user')
      Sentry.captureMessage('disk almost full', 'warning')
    })
    await Sentry.flush(2000)
  } finally {
    await Sentry.close(2000)
  }
}

/** Sentry's event id differs per run; everything else must not. */
function withoutEventIds(event: ReturnType<typeof comparable>, eventId: string): ReturnType<typeof comparable> {
  const text = JSON.stringify(event).split(eventId).join('<event-id>')
  return JSON.parse(text)
}

describe('Sentry integration: posthog-node and hoglet', () => {
  it('sentryIntegration in real @sentry/node: same tags on the Sentry event, same $exception in PostHog', async () => {
    const sentryEvents: Record<string, Array<Record<string, any>>> = { 'posthog-node': [], hoglet: [] }
    const options = { organization: 'acme', projectId: 4242 }
    const failures = makeFailures()
    const wires = await bothWires({}, (client, library) => withSentry(client, library, sentryEvents[library.name]!, options, failures))

    for (const name of ['posthog-node', 'hoglet']) expect(sentryEvents[name]).toHaveLength(3)
    // The person URL carries each run's own loopback port.
    const portless = (e: any) => JSON.parse(JSON.stringify(e).replace(/127\.0\.0\.1:\d+/g, '<sink>'))
    const tags = (name: string) => portless(sentryEvents[name]!.map((e) => e.tags ?? {}))
    expect(tags('hoglet')).toEqual(tags('posthog-node'))
    // The person link is built from the client's host and the project api key, as posthog-node builds it.
    expect(sentryEvents.hoglet![0]!.tags['PostHog Person URL']).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/project/${API_KEY}/person/sentry-user$`))

    expect(wires.hoglet).toHaveLength(1)
    const ours = withoutEventIds(comparable(wires.hoglet[0]!), sentryEvents.hoglet![0]!.event_id)
    const theirs = withoutEventIds(comparable(wires.posthogNode[0]!), sentryEvents['posthog-node']![0]!.event_id)
    expect(portless(ours)).toEqual(portless(theirs))
    expect(ours).toMatchObject({
      distinct_id: 'sentry-user',
      properties: {
        $exception_type: 'TypeError',
        $exception_message: 'checkout failed',
        $exception_level: 'error',
        $sentry_url: 'https://sentry.io/organizations/acme/issues/?project=4242&query=<event-id>',
      },
    })
    expect(ours.properties.$exception_list[0].stacktrace.frames.every((f: any) => f.platform === 'node:javascript')).toBe(true)
  })

  it("severityAllowList '*' and sendExceptionsToPostHog: false behave the same", async () => {
    const sentryEvents: Record<string, Array<Record<string, any>>> = { 'posthog-node': [], hoglet: [] }
    const failures = makeFailures()
    const wires = await bothWires({}, (client, library) =>
      withSentry(client, library, sentryEvents[library.name]!, { severityAllowList: '*', sendExceptionsToPostHog: false }, failures),
    )
    expect(wires.hoglet).toHaveLength(0)
    expect(wires.posthogNode).toHaveLength(0)
    const tagged = (name: string) => sentryEvents[name]!.map((e) => Object.keys(e.tags ?? {}).sort())
    expect(tagged('hoglet')).toEqual(tagged('posthog-node'))
    // The warning is processed too: tagged with the person URL.
    expect(tagged('hoglet')[2]).toContain('PostHog Person URL')
  })

  it('PostHogSentryIntegration (Sentry 7 setupOnce): same processor output and same $exception', async () => {
    const sentryEvent = () => ({
      event_id: 'abc123',
      level: 'error',
      message: undefined,
      tags: { posthog_distinct_id: 'class-user' },
      exception: { values: [{ type: 'RangeError', value: 'out of range', stacktrace: { frames: [{ filename: 'app.js', function: 'f', lineno: 3 }] } }] },
    })
    const processed: Record<string, unknown> = {}
    const wires = await bothWires({}, async (client, library) => {
      const integration = new library.main.PostHogSentryIntegration(client as never, 'acme', 'https://sentry.example.com/organizations/')
      expect(integration.name).toBe('posthog-node')
      expect(library.main.PostHogSentryIntegration.POSTHOG_ID_TAG).toBe('posthog_distinct_id')
      let processor: ((event: unknown) => unknown) | undefined
      integration.setupOnce(
        (callback: (event: unknown) => unknown) => (processor = callback),
        () => ({ getClient: () => ({ getDsn: () => ({ projectId: '77' }) }) }),
      )
      processed[library.name] = JSON.parse(JSON.stringify(processor!(sentryEvent())).replace(/127\.0\.0\.1:\d+/g, '<sink>'))
    })
    expect(processed.hoglet).toEqual(processed['posthog-node'])
    const portless = (e: any) => JSON.parse(JSON.stringify(e).replace(/127\.0\.0\.1:\d+/g, '<sink>'))
    expect(portless(wires.hoglet.map(comparable))).toEqual(portless(wires.posthogNode.map(comparable)))
    expect(wires.hoglet[0]!.properties.$sentry_url).toBe('https://sentry.example.com/organizations/acme/issues/?project=77&query=abc123')
  })
})
