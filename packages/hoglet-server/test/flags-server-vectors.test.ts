import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateFlag, type FlagDefinitionsResponse } from 'hoglet/engine'
import { batchBody, event, post, startTestServer } from './helpers.js'

// PostHog's flag-level unit tests as data (shared with the SDK's engine tests), asked of
// hoglet-server over HTTP: group flags, cohorts, dependencies, holdouts, device bucketing.
interface FlagCase {
  test: string
  definitions: FlagDefinitionsResponse
  evaluations: Array<{
    subject: { distinct_id: string; device_id?: string; person_properties: Record<string, unknown>; groups?: Record<string, unknown>; group_properties?: Record<string, Record<string, unknown>> }
    expected: Record<string, { value?: boolean | string; reason?: string; reason_not?: string; condition_index?: number; one_of?: string[] }>
  }>
}
const vectors = JSON.parse(readFileSync(new URL('../../hoglet/test/fixtures/server-vectors/flag-matching.json', import.meta.url), 'utf8')) as { cases: FlagCase[] }

async function setFlags(server: { url: string; controlHeaders(): Record<string, string> }, defs: unknown): Promise<void> {
  const res = await fetch(`${server.url}/_hoglet/flags`, { headers: server.controlHeaders(), method: 'PUT', body: JSON.stringify(defs) })
  expect(res.status).toBe(200)
}

describe('/flags answers the flag-level server vectors', () => {
  // `/flags` refuses an empty distinct id, so that one case stays with the engine's own tests.
  const cases = vectors.cases.filter((c) => c.evaluations.every((e) => e.subject.distinct_id !== ''))
  it('covers the cases', () => expect(cases.length).toBeGreaterThan(50))
  for (const c of cases) {
    it(c.test, async () => {
      const server = await startTestServer()
      await setFlags(server, c.definitions)
      const failures: string[] = []
      for (const { subject, expected } of c.evaluations) {
        const body: Record<string, unknown> = {
          token: 'phc_x',
          distinct_id: subject.distinct_id,
          person_properties: subject.person_properties,
          groups: subject.groups ?? {},
          group_properties: subject.group_properties ?? {},
        }
        if (subject.device_id !== undefined) body.$device_id = subject.device_id
        const res = await post(server, '/flags/', body, { query: '?v=2' })
        expect(res.status).toBe(200)
        for (const [key, want] of Object.entries(expected)) {
          const got = res.body.flags[key]
          const where = `${subject.distinct_id} ${key}`
          if (!got) {
            failures.push(`${where}: missing`)
            continue
          }
          const value = got.variant ?? got.enabled
          if (want.value !== undefined && value !== want.value) failures.push(`${where}: ${JSON.stringify(value)}, server ${JSON.stringify(want.value)}`)
          if (want.one_of && !want.one_of.includes(value)) failures.push(`${where}: ${value}, server one of ${want.one_of}`)
          if (want.reason !== undefined && got.reason.code !== want.reason) failures.push(`${where}: reason ${got.reason.code}, server ${want.reason}`)
          if (want.reason_not !== undefined && got.reason.code === want.reason_not) failures.push(`${where}: reason ${got.reason.code}`)
          if (want.condition_index !== undefined && got.reason.condition_index !== want.condition_index) failures.push(`${where}: condition ${got.reason.condition_index}, server ${want.condition_index}`)
        }
      }
      expect(failures).toEqual([])
    })
  }
})

describe('experience continuity', () => {
  const variants = { variants: [{ key: 'a', rollout_percentage: 34 }, { key: 'b', rollout_percentage: 33 }, { key: 'c', rollout_percentage: 33 }] }
  const defs = {
    flags: [
      { key: 'sticky', ensure_experience_continuity: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }], multivariate: variants } },
      { key: 'plain', filters: { groups: [{ properties: [], rollout_percentage: 100 }], multivariate: variants } },
    ],
  }
  // The variant each flag hashes for an identifier (the flag key salts the hash).
  const engine = compileFlags({ flags: defs.flags.map((f, i) => ({ id: i + 1, key: f.key, active: true, filters: f.filters })) }, { mode: 'server' })
  const hashed = (distinctId: string, key = 'sticky') => {
    const e = evaluateFlag(engine, key, { distinctId })
    return e.kind === 'evaluated' ? e.result.value : undefined
  }
  it('keeps the anonymous value after identify, stored in SQLite across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoglet-continuity-'))
    try {
      const database = join(dir, 'data.db')
      let server = await startTestServer({ database })
      await setFlags(server, defs)
      let kept = 0
      let changed = 0
      for (let i = 0; i < 12; i++) {
        const anon = `anon-${i}`
        const user = `user-${i}`
        const before = (await flagsFor(server, { distinct_id: anon })).sticky.variant
        expect(before).toBe(hashed(anon))
        const identify = await post(server, '/batch/', batchBody([event('$identify', user, { $anon_distinct_id: anon })], 'phc_x'))
        expect(identify.status).toBe(200)
        const after = await flagsFor(server, { distinct_id: user, $anon_distinct_id: anon })
        expect(after.sticky.variant).toBe(before) // the stored hash key is the anonymous id
        expect(after.plain.variant).toBe(hashed(user, 'plain')) // flags without continuity hash the distinct id
        if (hashed(user) !== before) changed++
        else kept++
      }
      expect(changed).toBeGreaterThan(0) // without continuity some users would have switched
      expect(kept + changed).toBe(12)
      await server.close()
      server = await startTestServer({ database })
      await setFlags(server, defs) // definitions set through the control API are not stored
      for (let i = 0; i < 12; i++) {
        const later = await flagsFor(server, { distinct_id: `user-${i}` }) // no $anon_distinct_id: the stored key is used
        expect(later.sticky.variant).toBe(hashed(`anon-${i}`))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('never replaces a stored hash key', async () => {
    const server = await startTestServer()
    await setFlags(server, defs)
    await flagsFor(server, { distinct_id: 'user-x', $anon_distinct_id: 'first' })
    const again = await flagsFor(server, { distinct_id: 'user-x', $anon_distinct_id: 'second' })
    expect(again.sticky.variant).toBe(hashed('first'))
  })
})

describe('definitions options', () => {
  it('evaluate naive dates in the definitions’ timezone', async () => {
    const server = await startTestServer()
    const flag = { key: 'after-june', filters: { groups: [{ properties: [{ key: 'joined', type: 'person', operator: 'is_date_after', value: '2024-06-01' }] }] } }
    const ask = async () => (await flagsFor(server, { distinct_id: 'u', person_properties: { joined: '2024-06-01T03:00:00Z' } }))['after-june'].enabled
    await setFlags(server, { flags: [flag] })
    expect(await ask()).toBe(true)
    await setFlags(server, { flags: [flag], timezone: 'America/Los_Angeles' })
    expect(await ask()).toBe(false)
  })

  it('answer person_metadata filters from the stored person, not a same-named property', async () => {
    const server = await startTestServer()
    await setFlags(server, { flags: [{ key: 'new-people', filters: { groups: [{ properties: [{ key: 'created_at', type: 'person_metadata', operator: 'is_date_after', value: '-1d' }] }] } }] })
    expect((await flagsFor(server, { distinct_id: 'ghost', person_properties: { created_at: '2099-01-01' } }))['new-people'].enabled).toBe(false)
    await post(server, '/batch/', batchBody([event('$pageview', 'someone')], 'phc_x'))
    expect((await flagsFor(server, { distinct_id: 'someone' }))['new-people'].enabled).toBe(true)
  })
})

const flagsFor = async (server: { url: string }, body: Record<string, unknown>) =>
  (await post(server as never, '/flags/', { token: 'phc_x', ...body }, { query: '?v=2' })).body.flags
