import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import type { RequestContextOptions } from '../../src/integrations/shared/request-context.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { eventsNamed, fireInterleaved, receivedEvents } from './helpers.js'

/**
 * What each framework's test provides: an app on 127.0.0.1:0 with these routes, built with
 * the framework's hoglet integration (or without it when `client` is undefined):
 * - GET /work/:i   waits a random few ms, captures `work done` with `{ i }`, waits again, answers 200 "ok"
 * - GET /boom      waits a random few ms, then throws `new Error('handler exploded')`
 * - GET /user      captures `user seen` and answers 200
 */
export interface AppFactory {
  name: string
  /** The `mechanism.type` the framework's captured errors carry. */
  mechanism: string
  start(client: PostHog | undefined, options: RequestContextOptions<any>): Promise<{ url: string; close(): Promise<void> }>
  /** Reads the user id the `distinctId` option should return (from the `?as=` query). */
  userFromRequest: (req: any) => string | undefined
}

export function runRequestContextSuite(factory: AppFactory): void {
  describe(`${factory.name} integration`, () => {
    let sink: TestServer
    let client: PostHog
    const apps: Array<{ close(): Promise<void> }> = []

    const start = async (options: RequestContextOptions<any> = {}, withHoglet = true) => {
      const app = await factory.start(withHoglet ? client : undefined, options)
      apps.push(app)
      return app.url
    }

    beforeEach(async () => {
      sink = await createTestServer()
      client = new PostHog('phc_integration_test', { host: sink.url, flushAt: 1000, flushInterval: 0 })
    })

    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close()
      await client.shutdown(2000)
      await sink.close()
    })

    it('gives every event the context of its own request under 50 interleaved requests', async () => {
      const url = await start()
      const responses = await fireInterleaved(url, 50, (i) => ({
        path: `/work/${i}?q=${i}`,
        headers: {
          'X-POSTHOG-DISTINCT-ID': `user-${i}`,
          'X-POSTHOG-SESSION-ID': `session-${i}`,
          'User-Agent': `agent-${i}`,
          'X-Forwarded-For': `203.0.113.${i}, 10.0.0.1`,
        },
      }))
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200))
      await client.flush()
      const events = eventsNamed(sink, 'work done')
      expect(events).toHaveLength(50)
      for (const event of events) {
        const i = event.properties.i
        expect(event.distinct_id).toBe(`user-${i}`)
        expect(event.properties.$session_id).toBe(`session-${i}`)
        expect(event.properties.$current_url).toBe(`${url}/work/${i}?q=${i}`)
        expect(event.properties.$request_method).toBe('GET')
        expect(event.properties.$request_path).toBe(`/work/${i}`)
        expect(event.properties.$user_agent).toBe(`agent-${i}`)
        expect(event.properties.$ip).toBe(`203.0.113.${i}`)
      }
    })

    it('uses the distinctId option when there is no header, and the header over it', async () => {
      const url = await start({ distinctId: factory.userFromRequest })
      await fetch(`${url}/user?as=from-option`)
      await fetch(`${url}/user?as=from-option`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'from-header' } })
      await fetch(`${url}/user`)
      await client.flush()
      const events = eventsNamed(sink, 'user seen')
      expect(events.map((e) => e.distinct_id).slice(0, 2)).toEqual(['from-option', 'from-header'])
      // No id at all: a personless event, not a refused one.
      expect(events[2].properties.$process_person_profile).toBe(false)
      expect(events[2].properties.$request_path).toBe('/user')
    })

    it('cleans the tracing headers: control characters removed, trimmed, empty ignored', async () => {
      const url = await start()
      // A tab is the one control character HTTP lets through inside a header value.
      await fetch(`${url}/user`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'user\t-7', 'X-POSTHOG-SESSION-ID': '   ' } })
      await client.flush()
      const [event] = eventsNamed(sink, 'user seen')
      expect(event.distinct_id).toBe('user-7')
      expect(event.properties.$session_id).toBeUndefined()
    })

    it('captures handler errors as $exception in the request context and answers as without hoglet', async () => {
      const plainUrl = await start({}, false)
      const plain = await fetch(`${plainUrl}/boom`)
      const plainBody = await plain.text()

      const url = await start()
      const res = await fetch(`${url}/boom`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'crash-user', 'X-POSTHOG-SESSION-ID': 'crash-session' } })
      expect(res.status).toBe(plain.status)
      expect(res.headers.get('content-type')).toBe(plain.headers.get('content-type'))
      expect(await res.text()).toBe(plainBody)

      await client.flush()
      const [exception, ...more] = eventsNamed(sink, '$exception')
      expect(more).toHaveLength(0)
      expect(exception.distinct_id).toBe('crash-user')
      expect(exception.properties.$session_id).toBe('crash-session')
      expect(exception.properties.$request_path).toBe('/boom')
      expect(exception.properties.$response_status_code).toBe(500)
      const [entry] = exception.properties.$exception_list
      expect(entry).toMatchObject({ type: 'Error', value: 'handler exploded', mechanism: { handled: false, synthetic: false, type: factory.mechanism } })
      expect(entry.stacktrace.frames.some((f: any) => f.in_app && /\.test\.ts$/.test(f.filename))).toBe(true)
      expect(exception.properties.$exception_fingerprint).toMatch(/^[0-9a-f]{40}$/)
    })

    it('does not capture errors when captureExceptions is false', async () => {
      const url = await start({ captureExceptions: false })
      await fetch(`${url}/boom`)
      await fetch(`${url}/user`)
      await client.flush()
      expect(eventsNamed(sink, 'user seen')).toHaveLength(1)
      expect(eventsNamed(sink, '$exception')).toHaveLength(0)
    })

    it('captures one $request event per request with status and duration when asked', async () => {
      const url = await start({ captureRequests: true })
      await fetch(`${url}/work/1`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'req-user' } })
      await fetch(`${url}/boom`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'req-user' } })
      await client.flush()
      const requests = eventsNamed(sink, '$request')
      expect(requests.map((e) => [e.properties.$request_path, e.properties.$response_status_code])).toEqual(
        expect.arrayContaining([
          ['/work/1', 200],
          ['/boom', 500],
        ]),
      )
      expect(requests).toHaveLength(2)
      for (const e of requests) {
        expect(e.distinct_id).toBe('req-user')
        expect(e.properties.$duration_ms).toBeGreaterThanOrEqual(0)
      }
    })

    it('with flushOnResponse, events are at the server by the time the response arrives', async () => {
      const url = await start({ flushOnResponse: true, captureRequests: true })
      const res = await fetch(`${url}/work/3`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'lambda-user' } })
      expect(res.status).toBe(200)
      await res.text()
      // No flush() here: the middleware held the response until delivery.
      const names = receivedEvents(sink).map((e) => e.event)
      expect(names).toEqual(expect.arrayContaining(['work done', '$request']))
    })

    it('hands the flush to waitUntil when one is given', async () => {
      const handed: Promise<unknown>[] = []
      const url = await start({ flushOnResponse: true, waitUntil: (p) => void handed.push(p) })
      await (await fetch(`${url}/work/4`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'edge-user' } })).text()
      await expect.poll(() => handed.length).toBe(1)
      await handed[0]
      expect(eventsNamed(sink, 'work done').map((e) => e.distinct_id)).toEqual(['edge-user'])
    })

    it('leaves requests refused by shouldTrack without a context', async () => {
      const url = await start({ shouldTrack: () => false })
      await fetch(`${url}/user`, { headers: { 'X-POSTHOG-DISTINCT-ID': 'ignored' } })
      await client.flush()
      // No context: the handler's capture without a distinct id is personless (as posthog-node sends it).
      const seen = eventsNamed(sink, 'user seen')
      expect(seen).toHaveLength(1)
      expect(seen[0].distinct_id).not.toBe('ignored')
      expect(seen[0].properties.$process_person_profile).toBe(false)
    })
  })
}
