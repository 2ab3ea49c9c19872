import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateFlag, type FlagDefinitionsResponse } from 'hoglet/engine'
import { compileDefinitions, evaluateFlags } from '../src/flags/evaluate-flags.js'
import serverCases from './fixtures/server-cases.json' with { type: 'json' }
import consistency from './fixtures/hash-consistency.json' with { type: 'json' }
import { batchBody, event, get, post, startTestServer } from './helpers.js'

interface Case {
  id: string
  definitions: FlagDefinitionsResponse
  context: { distinct_id: string; person_properties?: Record<string, unknown>; groups?: Record<string, string>; group_properties?: Record<string, Record<string, unknown>> }
  expected: Record<string, { value: boolean | string; payload: string | null; reason: { code: string; condition_index: number | null } }>
  omitted_flags?: string[]
}
const cases = (serverCases as unknown as { cases: Case[] }).cases

async function setFlags(server: { url: string; controlHeaders(): Record<string, string> }, defs: unknown): Promise<void> {
  const res = await fetch(`${server.url}/_hoglet/flags`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify(defs) })
  expect(res.status).toBe(200)
}

describe('/flags answers PostHog server cases', () => {
  for (const c of cases.filter((c) => c.context.distinct_id !== '')) {
    it(c.id, async () => {
      const server = await startTestServer()
      await setFlags(server, c.definitions)
      const res = await post(server, '/flags/', { token: 'phc_x', ...c.context }, { query: '?v=2' })
      expect(res.status).toBe(200)
      for (const [key, want] of Object.entries(c.expected)) {
        const got = res.body.flags[key]
        expect(got, key).toBeDefined()
        expect(got.variant ?? got.enabled).toBe(want.value)
        expect(got.metadata.payload).toBe(want.payload)
        expect({ code: got.reason.code, condition_index: got.reason.condition_index }).toEqual(want.reason)
      }
      for (const key of c.omitted_flags ?? []) expect(res.body.flags[key]).toBeUndefined()
    })
  }

  // `/flags` refuses an empty distinct id with 400, so these go through the server's evaluator itself.
  for (const c of cases.filter((c) => c.context.distinct_id === '')) {
    it(`${c.id} (evaluator)`, () => {
      const compiled = compileDefinitions(c.definitions)
      const answers = evaluateFlags(compiled, {
        distinctId: '',
        groups: c.context.groups ?? {},
        personProperties: c.context.person_properties ?? {},
        groupProperties: c.context.group_properties ?? {},
      })
      for (const [key, want] of Object.entries(c.expected)) {
        const got = answers.get(key)!
        expect(got.variant ?? got.enabled).toBe(want.value)
        expect({ code: got.reason.code, condition_index: got.reason.condition_index }).toEqual(want.reason)
      }
    })
  }
})

describe('flag answers equal the SDK engine', () => {
  it('reproduces the 2000 hash-consistency results through HTTP, the same as local evaluation', async () => {
    const server = await startTestServer()
    const { simple, multivariate } = consistency as unknown as {
      simple: { flag: FlagDefinitionsResponse['flags'][number]; expected: boolean[] }
      multivariate: { flag: FlagDefinitionsResponse['flags'][number]; expected: Array<boolean | string> }
    }
    const defs: FlagDefinitionsResponse = { flags: [simple.flag, multivariate.flag] }
    await setFlags(server, defs)
    const local = compileFlags(defs, { mode: 'local' })
    const ids = Array.from({ length: 1000 }, (_, i) => `distinct_id_${i}`)
    for (let start = 0; start < ids.length; start += 50) {
      const chunk = ids.slice(start, start + 50)
      const answers = await Promise.all(chunk.map((id) => post(server, '/flags', { token: 'phc_x', distinct_id: id }, { query: '?v=2' })))
      answers.forEach((res, j) => {
        const i = start + j
        const subject = { distinctId: ids[i]! }
        for (const [flag, expected] of [[simple.flag.key, simple.expected[i]], [multivariate.flag.key, multivariate.expected[i]]] as const) {
          const remote = res.body.flags[flag]
          const value = remote.variant ?? remote.enabled
          expect(value).toBe(expected)
          const l = evaluateFlag(local, flag, subject)
          expect(l.kind === 'evaluated' && l.result.value).toBe(value)
        }
      })
    }
  })

  it('matches local evaluation of the sample flags file for many subjects', async () => {
    const server = await startTestServer({ flagsFile: new URL('../examples/flags.yaml', import.meta.url).pathname })
    const defs = server.flags.definitions
    const local = compileFlags(defs, { mode: 'local' })
    let compared = 0
    for (let i = 0; i < 60; i++) {
      const personProperties = { plan: ['free', 'pro', 'enterprise'][i % 3], email: `user${i}@${i % 2 ? 'example.com' : 'hoglet.dev'}`, country: i % 4 ? 'US' : 'DE' }
      const groups = { company: `company-${i % 5}` }
      const groupProperties = { company: { seats: i * 3, industry: i % 2 ? 'retail' : 'tech' } }
      const res = await post(server, '/flags?v=2', {
        token: 'phc_x',
        distinct_id: `user-${i}`,
        person_properties: personProperties,
        groups,
        group_properties: groupProperties,
      })
      for (const key of local.keys) {
        const l = evaluateFlag(local, key, { distinctId: `user-${i}`, personProperties, groups, groupProperties })
        if (l.kind !== 'evaluated') continue
        const r = res.body.flags[key]
        if (!r) continue // inactive flags are not served
        expect(r.variant ?? r.enabled, `${key} for user-${i}`).toBe(l.result.value)
        expect(r.metadata.payload ?? undefined).toBe(l.result.rawPayload)
        compared++
      }
    }
    expect(compared).toBeGreaterThan(200)
  })
})

describe('/flags request handling', () => {
  const defs = {
    flags: [
      { key: 'pro-only', filters: { groups: [{ properties: [{ key: 'plan', type: 'person', operator: 'exact', value: 'pro' }], rollout_percentage: 100 }], payloads: { true: { tier: 'pro' } } } },
      { key: 'everyone', filters: { groups: [{ properties: [], rollout_percentage: 100 }] }, evaluation_tags: ['web'] },
    ],
  }

  it('uses stored person properties when the request omits them; request properties win', async () => {
    const server = await startTestServer()
    await setFlags(server, defs)
    await post(server, '/batch/', batchBody([event('$identify', 'user-9', { $anon_distinct_id: 'anon-9', $set: { plan: 'pro' } })]))
    let res = await post(server, '/flags?v=2', { token: 'phc_x', distinct_id: 'anon-9' })
    expect(res.body.flags['pro-only'].enabled).toBe(true)
    expect(res.body.flags['pro-only'].metadata.payload).toBe('{"tier":"pro"}')
    res = await post(server, '/flags?v=2', { token: 'phc_x', distinct_id: 'user-9', person_properties: { plan: 'free' } })
    expect(res.body.flags['pro-only'].enabled).toBe(false)
    res = await post(server, '/flags?v=2', { token: 'phc_x', distinct_id: 'stranger' })
    expect(res.body.flags['pro-only']).toMatchObject({ enabled: false, reason: { code: 'no_condition_match' } })
  })

  it('answers the legacy shape without v, and the decide versions', async () => {
    const server = await startTestServer()
    await setFlags(server, defs)
    const body = { api_key: 'phc_x', distinct_id: 'u', person_properties: { plan: 'pro' } }
    const legacy = await post(server, '/flags/', body)
    expect(legacy.body).toMatchObject({ featureFlags: { 'pro-only': true, everyone: true }, featureFlagPayloads: { 'pro-only': '{"tier":"pro"}' }, errorsWhileComputingFlags: false })
    expect((await post(server, '/decide/', body, { query: '?v=1' })).body.featureFlags).toEqual(['pro-only', 'everyone'])
    expect((await post(server, '/decide/', body, { query: '?v=2' })).body.featureFlags).toEqual({ 'pro-only': true, everyone: true })
    expect((await post(server, '/decide/', body, { query: '?v=3' })).body.featureFlagPayloads).toEqual({ 'pro-only': '{"tier":"pro"}' })
    expect((await post(server, '/decide/', body, { query: '?v=4' })).body.flags.everyone.enabled).toBe(true)
  })

  it('honours flag_keys_to_evaluate, evaluation_contexts and disable_flags', async () => {
    const server = await startTestServer()
    await setFlags(server, defs)
    const base = { token: 'phc_x', distinct_id: 'u' }
    expect(Object.keys((await post(server, '/flags?v=2', { ...base, flag_keys_to_evaluate: ['everyone'] })).body.flags)).toEqual(['everyone'])
    expect(Object.keys((await post(server, '/flags?v=2', { ...base, evaluation_contexts: ['mobile'] })).body.flags)).toEqual(['pro-only'])
    expect(Object.keys((await post(server, '/flags?v=2', { ...base, evaluation_contexts: ['web'] })).body.flags)).toEqual(['pro-only', 'everyone'])
    expect((await post(server, '/flags?v=2', { ...base, disable_flags: true })).body.flags).toEqual({})
  })

  it('refuses a missing token (401), a missing distinct id (400) and bad JSON (400)', async () => {
    const server = await startTestServer()
    expect((await post(server, '/flags?v=2', { distinct_id: 'u' })).status).toBe(401)
    expect((await post(server, '/flags?v=2', { token: 'phc_x' })).status).toBe(400)
    expect((await post(server, '/flags?v=2', '{"token":')).status).toBe(400)
    expect((await post(server, '/flags?v=2', { token: 'phc_x', distinct_id: 'u' })).status).toBe(200)
  })

  it('reads gzip and base64 /flags bodies, and refuses a body that is not what it claims (400)', async () => {
    const server = await startTestServer()
    await setFlags(server, defs)
    const body = JSON.stringify({ token: 'phc_x', distinct_id: 'u', person_properties: { plan: 'pro' } })
    const gz = await post(server, '/flags/', gzipSync(body), { query: '?v=2&compression=gzip' })
    expect(gz.body.flags['pro-only'].enabled).toBe(true)
    const b64 = await post(server, '/flags/', Buffer.from(body).toString('base64'), { query: '?v=2&compression=base64' })
    expect(b64.body.flags['pro-only'].enabled).toBe(true)
    const liar = await post(server, '/flags/', body, { headers: { 'content-encoding': 'gzip' }, query: '?v=2' })
    expect(liar.status).toBe(400)
    expect((await post(server, '/flags/', body, { query: '?v=2' })).status).toBe(200)
  })

  it('answers quota limited when switched on', async () => {
    const server = await startTestServer()
    await setFlags(server, defs)
    await fetch(`${server.url}/_hoglet/settings`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify({ quotaLimited: true }) })
    const res = await post(server, '/flags?v=2', { token: 'phc_x', distinct_id: 'u' })
    expect(res.body).toMatchObject({ flags: {}, quotaLimited: ['feature_flags'] })
  })
})

describe('definitions endpoints', () => {
  const auth = { authorization: 'Bearer phx_personal' }

  it('serve the definitions with a weak ETag and answer 304 to If-None-Match, on all three paths', async () => {
    const server = await startTestServer({ flagsFile: new URL('../examples/flags.yaml', import.meta.url).pathname })
    for (const path of ['/flags/definitions?token=phc_x&send_cohorts', '/api/feature_flag/local_evaluation?token=phc_x&send_cohorts', '/api/projects/@current/feature_flags/local_evaluation/?send_cohorts']) {
      const first = await get(server, path, auth)
      expect(first.status).toBe(200)
      expect(first.body.flags.length).toBeGreaterThanOrEqual(5)
      expect(first.body.group_type_mapping).toEqual({ '0': 'company' })
      const etag = first.headers.get('etag')!
      expect(etag).toMatch(/^W\/".+"$/)
      for (const tag of [etag, etag.slice(2), etag.slice(3, -1)]) {
        const again = await get(server, path, { ...auth, 'if-none-match': tag })
        expect(again.status).toBe(304)
        expect(again.body).toBeUndefined()
        expect(again.headers.get('etag')).toBe(etag)
      }
    }
  })

  it('changes the ETag when the definitions change', async () => {
    const server = await startTestServer()
    const before = await get(server, '/flags/definitions?token=phc_x', auth)
    await setFlags(server, { flags: [{ key: 'new-flag' }] })
    const after = await get(server, '/flags/definitions?token=phc_x', { ...auth, 'if-none-match': before.headers.get('etag')! })
    expect(after.status).toBe(200)
    expect(after.body.flags.map((f: { key: string }) => f.key)).toEqual(['new-flag'])
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'))
  })

  it('require a Bearer key (and the configured one), and a token on /flags/definitions', async () => {
    const server = await startTestServer({ personalApiKey: 'phx_right' })
    expect((await get(server, '/flags/definitions?token=phc_x')).status).toBe(401)
    expect((await get(server, '/flags/definitions?token=phc_x', { authorization: 'Bearer phx_wrong' })).status).toBe(401)
    expect((await get(server, '/flags/definitions', { authorization: 'Bearer phx_right' })).status).toBe(401)
    expect((await get(server, '/flags/definitions?token=phc_x', { authorization: 'Bearer phx_right' })).status).toBe(200)
  })

  it('refuses a token other than the configured project token', async () => {
    const server = await startTestServer({ projectToken: 'phc_right' })
    expect((await get(server, '/flags/definitions?token=phc_wrong', auth)).status).toBe(401)
    expect((await get(server, '/flags/definitions?token=phc_right', auth)).status).toBe(200)
    expect((await post(server, '/flags?v=2', { token: 'phc_wrong', distinct_id: 'u' })).status).toBe(401)
    expect((await post(server, '/flags?v=2', { token: 'phc_right', distinct_id: 'u' })).status).toBe(200)
  })

  it('serves remote config payloads double-encoded, by key or id; 404 for unknown flags', async () => {
    const server = await startTestServer()
    await setFlags(server, { flags: [{ id: 77, key: 'site-config', filters: { payloads: { true: { theme: 'dark' } } } }, { id: 78, key: 'no-payload' }] })
    const byKey = await fetch(`${server.url}/api/projects/@current/feature_flags/site-config/remote_config?token=phc_x`, { headers: auth })
    expect(JSON.parse(JSON.parse(await byKey.text()))).toEqual({ theme: 'dark' })
    const byId = await get(server, '/api/projects/@current/feature_flags/77/remote_config?token=phc_x', auth)
    expect(byId.body).toBe('{"theme":"dark"}')
    expect((await get(server, '/api/projects/@current/feature_flags/no-payload/remote_config', auth)).body).toBeNull()
    expect((await get(server, '/api/projects/@current/feature_flags/nope/remote_config', auth)).status).toBe(404)
    expect((await get(server, '/api/projects/@current/feature_flags/site-config/remote_config')).status).toBe(401)
  })
})

describe('cohorts', () => {
  it('evaluates cohort filters from the definitions against stored person properties', async () => {
    const server = await startTestServer()
    await setFlags(server, {
      cohorts: { '5': { type: 'OR', values: [{ type: 'AND', values: [{ key: 'country', type: 'person', operator: 'exact', value: ['DE', 'FR'] }] }] } },
      flags: [{ key: 'eu-checkout', filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', value: 5 }], rollout_percentage: 100 }] } }],
    })
    await post(server, '/batch/', batchBody([event('$set', 'berlin', { $set: { country: 'DE' } }), event('$set', 'boston', { $set: { country: 'US' } })]))
    expect((await post(server, '/flags?v=2', { token: 't', distinct_id: 'berlin' })).body.flags['eu-checkout'].enabled).toBe(true)
    expect((await post(server, '/flags?v=2', { token: 't', distinct_id: 'boston' })).body.flags['eu-checkout'].enabled).toBe(false)
    const defs = await get(server, '/flags/definitions?token=t&send_cohorts', { authorization: 'Bearer k' })
    expect(defs.body.cohorts['5'].type).toBe('OR')
  })
})
