import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer } from '../src/index.js'
import { batchBody, event, post, startTestServer } from './helpers.js'

describe('persons', () => {
  it('merges the anonymous and identified persons on $identify, identified properties winning', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([
      event('$pageview', 'anon-1', { $set: { plan: 'free', referrer: 'ad' } }),
      event('signed up', 'user-1', { $set: { plan: 'pro' } }),
    ]))
    expect(server.store.persons.count()).toBe(2)
    await post(server, '/batch/', batchBody([event('$identify', 'user-1', { $anon_distinct_id: 'anon-1', $set: { email: 'a@b.c' } })]))
    expect(server.store.persons.count()).toBe(1)
    const person = server.store.persons.get('anon-1')!
    expect(person.distinctIds.sort()).toEqual(['anon-1', 'user-1'])
    expect(person.properties).toEqual({ plan: 'pro', referrer: 'ad', email: 'a@b.c' })
    expect(server.store.persons.get('user-1')!.id).toBe(person.id)
  })

  it('attaches a new id to an existing person on $identify, keeping the person', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('$pageview', 'anon-2', { $set_once: { first_seen: 'monday' } })]))
    const before = server.store.persons.get('anon-2')!
    await post(server, '/batch/', batchBody([event('$identify', 'user-2', { $anon_distinct_id: 'anon-2' })]))
    expect(server.store.persons.get('user-2')!.uuid).toBe(before.uuid)
  })

  it('merges across $create_alias chains', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([
      event('a', 'web-1', { $set: { source: 'web' } }),
      event('b', 'mobile-1', { $set: { source: 'mobile', os: 'ios' } }),
      event('$create_alias', 'web-1', { alias: 'mobile-1' }),
      event('$create_alias', 'crm-1', { alias: 'web-1' }),
    ]))
    expect(server.store.persons.count()).toBe(1)
    const p = server.store.persons.get('crm-1')!
    expect(p.distinctIds.sort()).toEqual(['crm-1', 'mobile-1', 'web-1'])
    expect(p.properties).toEqual({ source: 'web', os: 'ios' })
  })

  it('applies $set_once only to unset properties and $unset removes', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([
      event('$set', 'u', { $set_once: { first: 1 }, $set: { n: 1 } }),
      event('$set', 'u', { $set_once: { first: 2 }, $set: { n: 2, gone: true } }),
      event('$set', 'u', { $unset: ['gone'] }),
    ]))
    expect(server.store.persons.propertiesOf('u')).toEqual({ first: 1, n: 2 })
  })

  it('creates no person for $process_person_profile: false', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([event('ping', 'anon', { $process_person_profile: false })]))
    expect(server.store.events.count()).toBe(1)
    expect(server.store.persons.count()).toBe(0)
  })

  it('stores groups from $groupidentify, merging later $group_set', async () => {
    const server = await startTestServer()
    await post(server, '/batch/', batchBody([
      event('$groupidentify', 'u', { $group_type: 'company', $group_key: 'acme', $group_set: { name: 'Acme', seats: 10 } }),
      event('$groupidentify', 'u', { $group_type: 'company', $group_key: 'acme', $group_set: { seats: 80 } }),
    ]))
    expect(server.store.groups.get('company', 'acme')!.properties).toEqual({ name: 'Acme', seats: 80 })
    const res = await fetch(`${server.url}/_hoglet/groups`, { headers: server.controlHeaders() })
    expect((await res.json()).results).toHaveLength(1)
  })
})

describe('durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hoglet-server-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps events, persons and groups across a restart on the same file', async () => {
    const database = join(dir, 'restart.db')
    const first = await startServer({ database })
    await post(first, '/batch/', batchBody([
      event('$identify', 'user-7', { $anon_distinct_id: 'anon-7', $set: { plan: 'pro' } }),
      event('$groupidentify', 'user-7', { $group_type: 'company', $group_key: 'acme', $group_set: { seats: 5 } }),
      event('order completed', 'anon-7', { total: 9 }),
    ]))
    await first.close()

    const second = await startServer({ database })
    try {
      expect(second.store.events.count()).toBe(3)
      expect(second.store.events.list({ event: 'order completed' })[0]!.properties).toEqual({ total: 9 })
      expect(second.store.persons.get('anon-7')!.distinctIds.sort()).toEqual(['anon-7', 'user-7'])
      expect(second.store.persons.propertiesOf('user-7')).toEqual({ plan: 'pro' })
      expect(second.store.groups.get('company', 'acme')!.properties).toEqual({ seats: 5 })
      // New data keeps merging into the restored persons.
      await post(second, '/batch/', batchBody([event('$set', 'anon-7', { $set: { email: 'x@y.z' } })]))
      expect(second.store.persons.propertiesOf('user-7')).toEqual({ plan: 'pro', email: 'x@y.z' })
    } finally {
      await second.close()
    }
  })
})
