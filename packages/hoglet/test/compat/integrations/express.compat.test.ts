import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { API_KEY, bothWires, comparable, get, sorted, type Client, type Library } from './harness.js'

// setupExpressRequestContext / setupExpressErrorHandler of posthog-node and hoglet, on a real
// Express server: the same requests must put the same events on the wire.

async function withExpressApp(client: Client, library: Library, run: (url: string) => Promise<void>): Promise<void> {
  const app = express()
  // 'test': Express's final handler neither prints the errors nor puts stacks in bodies.
  app.set('env', 'test')
  library.main.setupExpressRequestContext(client, app)
  app.get('/hello', (_req, res) => {
    client.capture({ event: 'hello' } as never)
    res.send('hi')
  })
  app.get('/fail', () => {
    throw new Error('express failure')
  })
  app.get('/teapot', () => {
    throw Object.assign(new Error('short and stout'), { status: 418 })
  })
  app.get('/async-fail', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5))
    throw new TypeError('async express failure')
  })
  library.main.setupExpressErrorHandler(client, app)
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    // The error handler waits for each response to learn its status code.
    await new Promise((resolve) => setTimeout(resolve, 50))
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const browserHeaders = {
  'x-posthog-distinct-id': 'visitor-1',
  'x-posthog-session-id': 'session-1',
  'user-agent': 'CompatBrowser/1.0',
  'x-forwarded-for': '203.0.113.9, 10.0.0.1',
}

/** `$exception` events without their stack (compared in the exceptions suite), everything else kept. */
function withoutFrames(event: ReturnType<typeof comparable>): ReturnType<typeof comparable> {
  if (event.event !== '$exception') return event
  const list = event.properties.$exception_list.map(({ stacktrace, ...entry }: any) => ({ ...entry, frames: stacktrace?.frames?.length > 0 }))
  return { ...event, properties: { ...event.properties, $exception_list: list } }
}

describe('Express setup helpers: posthog-node and hoglet', () => {
  it('request context: person, session, $current_url, $request_path, $user_agent, $ip as posthog-node sends them', async () => {
    const wires = await bothWires({}, (client, library) =>
      withExpressApp(client, library, async (url) => {
        expect((await get(`${url}/hello?plan=pro&x=1`, browserHeaders)).status).toBe(200)
        expect((await get(`${url}/hello`)).status).toBe(200)
      }),
    )
    expect(wires.hoglet).toHaveLength(2)
    expect(wires.hoglet.map(comparable)).toEqual(wires.posthogNode.map(comparable))
    const [first, anonymous] = wires.hoglet.map(comparable)
    expect(first).toMatchObject({
      distinct_id: 'visitor-1',
      properties: { $session_id: 'session-1', $current_url: '/hello?plan=pro&x=1', $request_path: '/hello', $ip: '203.0.113.9', $user_agent: 'CompatBrowser/1.0' },
    })
    expect(anonymous!.distinct_id).toBe('<generated>')
  })

  it('error handler: every error is captured (a 418 too), unhandled, with $response_status_code', async () => {
    const wires = await bothWires({}, (client, library) =>
      withExpressApp(client, library, async (url) => {
        expect((await get(`${url}/fail`, browserHeaders)).status).toBe(500)
        expect((await get(`${url}/teapot`, browserHeaders)).status).toBe(418)
        expect((await get(`${url}/async-fail`)).status).toBe(500)
      }),
    )
    const ours = sorted(wires.hoglet.map(comparable).map(withoutFrames))
    expect(ours).toHaveLength(3)
    expect(ours).toEqual(sorted(wires.posthogNode.map(comparable).map(withoutFrames)))
    expect(ours.map((e) => [e.properties.$request_path, e.properties.$response_status_code])).toEqual([
      ['/async-fail', 500],
      ['/fail', 500],
      ['/teapot', 418],
    ])
    expect(ours[1]!.properties.$exception_list[0].mechanism).toEqual({ type: 'middleware', handled: false, synthetic: false, exception_id: 0 })
  })

  it('readPostHogCookie: an identified visitor names the person, a fresh session its session; opted out gives neither', async () => {
    const cookieName = `ph_${API_KEY}_posthog`
    const now = Date.now()
    const cookie = (value: object, extra = '') => ({ cookie: `${cookieName}=${encodeURIComponent(JSON.stringify(value))}${extra}` })
    const wires = await bothWires({ readPostHogCookie: true }, (client, library) =>
      withExpressApp(client, library, async (url) => {
        await get(`${url}/hello?case=identified`, cookie({ distinct_id: 'known-user', $user_state: 'identified', $sesid: [now, 'cookie-session', now] }))
        await get(`${url}/hello?case=anonymous`, cookie({ distinct_id: 'anon-device', $user_state: 'anonymous', $sesid: [now, 'anon-session', now] }))
        await get(`${url}/hello?case=stale`, cookie({ distinct_id: 'known-user', $user_state: 'identified', $sesid: [now - 3 * 3600_000, 'old-session', now - 3 * 3600_000] }))
        await get(`${url}/hello?case=opted-out`, cookie({ distinct_id: 'known-user', $user_state: 'identified', $sesid: [now, 'cookie-session', now] }, `; __ph_opt_in_out_${API_KEY}=0`))
        await get(`${url}/hello?case=header-wins`, { ...cookie({ distinct_id: 'known-user', $user_state: 'identified' }), 'x-posthog-distinct-id': 'header-user' })
      }),
    )
    const ours = wires.hoglet.map(comparable)
    expect(ours).toEqual(wires.posthogNode.map(comparable))
    expect(ours.map((e) => [e.distinct_id, e.properties.$session_id])).toEqual([
      ['known-user', 'cookie-session'],
      ['<generated>', 'anon-session'],
      ['known-user', undefined],
      ['<generated>', undefined],
      ['header-user', undefined],
    ])
  })

  it('disable_capture_url_hashes leaves the hash out of $current_url', async () => {
    const wires = await bothWires({ disable_capture_url_hashes: true }, (client, library) =>
      withExpressApp(client, library, async (url) => {
        // A raw request target with a hash (browsers never send one; proxies and scripts can).
        await get(`${url}/hello?q=1#section-2`, browserHeaders)
      }),
    )
    expect(wires.hoglet.map(comparable)).toEqual(wires.posthogNode.map(comparable))
    expect(wires.hoglet[0]!.properties.$current_url).toBe('/hello?q=1')
  })
})
