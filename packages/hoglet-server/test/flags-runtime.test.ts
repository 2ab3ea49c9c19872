// `/flags` sets aside flags meant for another runtime, as PostHog's flag service does: the
// request's `evaluation_runtime` decides, else its User-Agent and browser headers, else only the
// flags meant for every runtime answer.
import { request } from 'node:http'
import { beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from 'hoglet'
import type { RunningServer } from '../src/index.js'
import { post, startTestServer } from './helpers.js'

const everyone = { groups: [{ properties: [], rollout_percentage: 100 }] }
const DEFINITIONS = {
  flags: [
    { key: 'unspecified', filters: everyone },
    { key: 'for-all', filters: everyone, evaluation_runtime: 'all' },
    { key: 'client-only', filters: everyone, evaluation_runtime: 'client' },
    { key: 'server-only', filters: everyone, evaluation_runtime: 'SERVER' },
    { key: 'odd-runtime', filters: everyone, evaluation_runtime: 'edge' },
  ],
}

let server: RunningServer
beforeEach(async () => {
  server = await startTestServer()
  const res = await fetch(`${server.url}/_hoglet/flags`, { method: 'PUT', headers: server.controlHeaders(), body: JSON.stringify(DEFINITIONS) })
  expect(res.status).toBe(200)
})

async function answeredKeys(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await post(server, '/flags/', { token: 'phc_x', distinct_id: 'u1', ...body }, { query: '?v=2', headers })
  expect(res.status).toBe(200)
  return Object.keys(res.body.flags).sort()
}

describe('/flags and evaluation runtimes', () => {
  it('a request that says it runs on a server gets no client-only flag', async () => {
    expect(await answeredKeys({ evaluation_runtime: 'server' })).toEqual(['for-all', 'odd-runtime', 'server-only', 'unspecified'])
  })

  it('a request that says it runs on a client gets no server-only flag, whatever its headers', async () => {
    expect(await answeredKeys({ evaluation_runtime: 'Client' }, { 'user-agent': 'posthog-python/6.0.0' })).toEqual(['client-only', 'for-all', 'odd-runtime', 'unspecified'])
  })

  it('evaluation_runtime "all" gets every flag', async () => {
    expect(await answeredKeys({ evaluation_runtime: 'all' })).toEqual(['client-only', 'for-all', 'odd-runtime', 'server-only', 'unspecified'])
  })

  it('without evaluation_runtime, a browser or mobile User-Agent or browser headers mean client, a server SDK or curl means server', async () => {
    const client = ['client-only', 'for-all', 'odd-runtime', 'unspecified']
    const serverSide = ['for-all', 'odd-runtime', 'server-only', 'unspecified']
    expect(await answeredKeys({}, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' })).toEqual(client)
    expect(await answeredKeys({}, { 'user-agent': 'posthog-ios/3.0.0' })).toEqual(client)
    expect(await answeredKeys({}, { 'user-agent': 'custom-agent/1', 'sec-fetch-mode': 'cors' })).toEqual(client)
    expect(await answeredKeys({}, { 'user-agent': 'posthog-node/5.7.0' })).toEqual(serverSide)
    expect(await answeredKeys({}, { 'user-agent': 'curl/8.5.0' })).toEqual(serverSide)
  })

  it('a request whose runtime cannot be told gets only the flags meant for every runtime', async () => {
    // node:http, not fetch: fetch adds `sec-fetch-mode`, which marks a request as a browser's.
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(`${server.url}/flags/?v=2`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'custom-agent/1' } }, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      })
      req.on('error', reject)
      req.end(JSON.stringify({ token: 'phc_x', distinct_id: 'u1' }))
    })
    expect(answer.status).toBe(200)
    expect(Object.keys(answer.body.flags).sort()).toEqual(['for-all', 'odd-runtime', 'unspecified'])
  })

  it("hoglet's remote flag calls say they run on a server", async () => {
    const posthog = new PostHog('phc_x', { host: server.url, flushInterval: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } })
    const flags = await posthog.getAllFlags('u1')
    await posthog.shutdown()
    expect(Object.keys(flags).sort()).toEqual(['for-all', 'odd-runtime', 'server-only', 'unspecified'])
  })
})
