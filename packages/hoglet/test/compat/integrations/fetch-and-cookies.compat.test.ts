import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { API_KEY, LIBRARIES, bothWires, comparable, get, type Client, type Library } from './harness.js'

// posthogHonoMiddleware / instrumentRequest (request context only: hoglet records no spans or
// metrics) and the posthog-js cookie helpers of posthog-node and hoglet.

async function withHonoApp(client: Client, library: Library, run: (url: string) => Promise<void>): Promise<void> {
  const app = new Hono()
  app.use('*', library.main.posthogHonoMiddleware(client as never) as never)
  app.get('/items/:id', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 5))
    client.capture({ event: 'item viewed', properties: { id: c.req.param('id') } } as never)
    return c.text('ok')
  })
  app.get('/health', (c) => c.text('ok'))
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe('fetch-API request context: posthog-node and hoglet', () => {
  it('posthogHonoMiddleware on a real Hono server: person, session, $request_method, $request_path, $user_agent', async () => {
    const wires = await bothWires({}, (client, library) =>
      withHonoApp(client, library, async (url) => {
        await get(`${url}/items/42?ref=mail`, { 'x-posthog-distinct-id': 'hono-user', 'x-posthog-session-id': 'hono-session', 'user-agent': 'HonoClient/3' })
        await get(`${url}/items/7`)
      }),
    )
    const events = (received: typeof wires.hoglet) => received.filter((e) => e.event === 'item viewed').map(comparable)
    expect(events(wires.hoglet)).toHaveLength(2)
    expect(events(wires.hoglet)).toEqual(events(wires.posthogNode))
    expect(events(wires.hoglet)[0]).toMatchObject({
      distinct_id: 'hono-user',
      properties: { $session_id: 'hono-session', $request_method: 'GET', $request_path: '/items/42', $user_agent: 'HonoClient/3' },
    })
  })

  it('instrumentRequest: the handler runs in the context; ignore() skips it; errors are rethrown', async () => {
    const wires = await bothWires({}, async (client, library) => {
      const handler = () => {
        // Named explicitly outside a context (an ignored request), so this compares the context only.
        client.capture({ event: 'handled', distinctId: client.getContext()?.distinctId ?? 'outside-context' } as never)
        return new Response('ok')
      }
      const request = (path: string) => new Request(`http://app.test${path}`, { headers: { 'x-posthog-distinct-id': 'fetch-user' } })
      await library.main.instrumentRequest(client as never, request('/a?x=1'), handler)
      await library.main.instrumentRequest(client as never, request('/health'), handler, { ignore: (r: Request) => r.url.endsWith('/health') })
      const thrown = new Error('handler failed')
      await expect(library.main.instrumentRequest(client as never, request('/b'), () => Promise.reject(thrown))).rejects.toBe(thrown)
    })
    const handled = (events: typeof wires.hoglet) => events.filter((e) => e.event === 'handled').map(comparable)
    expect(handled(wires.hoglet).map((e) => [e.distinct_id, e.properties.$request_path])).toEqual([
      ['fetch-user', '/a'],
      ['outside-context', undefined],
    ])
    expect(handled(wires.hoglet)).toEqual(handled(wires.posthogNode))
  })

  it('the metric names match', () => {
    for (const name of ['HTTP_SERVER_REQUEST_DURATION_METRIC', 'HTTP_SERVER_REQUEST_COUNT_METRIC'] as const) {
      expect(LIBRARIES[1].main[name]).toBe(LIBRARIES[0].main[name])
    }
  })
})

describe('posthog-js cookie helpers: posthog-node and hoglet', () => {
  const [posthogNode, hoglet] = [LIBRARIES[0].main, LIBRARIES[1].main]

  it('getPostHogCookieName, parsePostHogCookie, readPostHogCookie, cookieStoreFromHeader and cookieStateToProperties agree', () => {
    for (const key of [API_KEY, 'phc_a+b/c=', '']) expect(hoglet.getPostHogCookieName(key)).toBe(posthogNode.getPostHogCookieName(key))
    const values = [
      JSON.stringify({ distinct_id: 'u1', $user_state: 'identified', $sesid: [1700000000000, 'sess', 1699999999000], $device_id: 'dev' }),
      JSON.stringify({ distinct_id: 42, $sesid: 'not an array' }),
      JSON.stringify({ $user_state: 'identified' }),
      JSON.stringify([1, 2]),
      'null',
      '{not json',
      '',
    ]
    for (const value of values) {
      expect(hoglet.parsePostHogCookie(value)).toEqual(posthogNode.parsePostHogCookie(value))
      expect(hoglet.cookieStateToProperties(hoglet.parsePostHogCookie(value))).toEqual(posthogNode.cookieStateToProperties(posthogNode.parsePostHogCookie(value)))
    }
    const header = `a=1; ${posthogNode.getPostHogCookieName(API_KEY)}=${encodeURIComponent(values[0]!)}; broken=%E0%A4%A; spaced = x=y ; flag`
    for (const name of ['a', 'broken', 'spaced', 'flag', 'missing']) {
      expect(hoglet.cookieStoreFromHeader(header).get(name)).toEqual(posthogNode.cookieStoreFromHeader(header).get(name))
    }
    expect(hoglet.readPostHogCookie(hoglet.cookieStoreFromHeader(header), API_KEY)).toEqual(
      posthogNode.readPostHogCookie(posthogNode.cookieStoreFromHeader(header), API_KEY),
    )
    expect(hoglet.readPostHogCookie(hoglet.cookieStoreFromHeader(header), API_KEY)?.distinctId).toBe('u1')
  })

  it('serializePostHogCookie writes what posthog-js reads as an anonymous visitor', () => {
    const shape = (text: string) => {
      const parsed = JSON.parse(text)
      return { ...parsed, $sesid: [typeof parsed.$sesid[0], typeof parsed.$sesid[1], parsed.$sesid[0] === parsed.$sesid[2]] }
    }
    expect(shape(hoglet.serializePostHogCookie('anon-1'))).toEqual(shape(posthogNode.serializePostHogCookie('anon-1')))
    expect(hoglet.parsePostHogCookie(hoglet.serializePostHogCookie('anon-1'))).toMatchObject({ distinctId: 'anon-1', isIdentified: false, deviceId: 'anon-1' })
  })
})
