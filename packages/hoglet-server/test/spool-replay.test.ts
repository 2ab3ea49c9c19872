import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import type { RunningServer } from '../src/index.js'
import { Store } from '../src/store/store.js'
import { get, post, startTestServer } from './helpers.js'

// The SDK's durable spool end to end against hoglet-server: child processes (the built SDK)
// SIGKILLed mid-capture; the server stores each event once per uuid and counts what it ignored.

const fixture = fileURLToPath(new URL('./fixtures/spooled-client.mjs', import.meta.url))
let dir: string
const children: ChildProcess[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoglet-server-spool-'))
})
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

interface Child {
  captured: Set<number>
  kill(): Promise<void>
  waitFor(pattern: RegExp): Promise<string>
}

function startChild(server: RunningServer, start: number, count: number, mode: string, captureMode = 'v0'): Child {
  const child = spawn(process.execPath, [fixture, server.url, dir, String(start), String(count), mode, captureMode], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const captured = new Set<number>()
  const lines: string[] = []
  let buffered = ''
  let stderr = ''
  const watchers: Array<() => void> = []
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    let at: number
    while ((at = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, at)
      buffered = buffered.slice(at + 1)
      lines.push(line)
      if (line.startsWith('c ')) captured.add(Number(line.slice(2)))
    }
    for (const w of watchers) w()
  })
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  // 'close', not 'exit': the output a killed child wrote is all read by then.
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  return {
    captured,
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const line = lines.find((l) => pattern.test(l))
          if (line !== undefined) resolve(line)
        }
        watchers.push(check)
        check()
        void exited.then(() => {
          check()
          reject(new Error(`child exited before printing ${pattern}; stderr: ${stderr}`))
        })
      }),
  }
}

function segmentFiles(): string[] {
  const files: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.seg')) files.push(path)
    }
  }
  if (existsSync(dir)) walk(dir)
  return files
}
const segmentCount = (): number => segmentFiles().length

/** uuid → timestamp of every spooled event (records are `<length> <form> <capture time> <json>`). */
function spooledTimestamps(): Map<string, string> {
  const out = new Map<string, string>()
  for (const file of segmentFiles()) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue
      const event = JSON.parse(line.slice(line.indexOf('{')))
      out.set(event.uuid, new Date(Number(line.split(' ')[2])).toISOString())
    }
  }
  return out
}

function storedRows(server: RunningServer): Array<{ uuid: string; n: number; endpoint: string; timestamp: string }> {
  const rows = server.store.db.prepare('SELECT uuid, properties, endpoint, timestamp FROM events').all() as Array<{ uuid: string; properties: string; endpoint: string; timestamp: string }>
  return rows.map((r) => ({ uuid: r.uuid, n: JSON.parse(r.properties).n as number, endpoint: r.endpoint, timestamp: r.timestamp }))
}

describe('the spool against hoglet-server', () => {
  it('stores an event sent twice once, and counts the duplicate', async () => {
    const server = await startTestServer()
    const batch = [1, 2, 3].map((i) => ({ event: 'e', distinct_id: 'u', uuid: `0190a0a0-0000-7000-8000-00000000000${i}`, timestamp: '2026-01-01T00:00:00.000Z', properties: { i } }))
    expect((await post(server, '/batch/', { api_key: 'phc_x', batch })).status).toBe(200)
    expect((await post(server, '/batch/', { api_key: 'phc_x', batch: [...batch, { ...batch[0]!, event: 'another event, same uuid' }] })).status).toBe(200)
    // Same uuid, event, distinct id and day: stored once, as PostHog collapses them; a different event name is another event.
    expect(server.store.events.count()).toBe(4)
    const stats = (await get(server, '/_hoglet/stats')).body
    expect(stats).toMatchObject({ events: 4, duplicateEvents: 3 })
    await post(server, '/_hoglet/reset', {})
    expect((await get(server, '/_hoglet/stats')).body).toMatchObject({ events: 0, duplicateEvents: 0 })
  })

  it('skips a copy within one request and past the 50-row inserts, and a skipped copy changes no person', async () => {
    const server = await startTestServer()
    const events = Array.from({ length: 120 }, (_, i) => ({ event: 'e', distinct_id: `p${i}`, uuid: `0190a0a0-0000-7000-8000-${String(i).padStart(12, '0')}`, timestamp: '2026-01-01T00:00:00.000Z', properties: { $set: { plan: 'first' } } }))
    const copy = { ...events[7]!, properties: { $set: { plan: 'changed by a copy' } } }
    expect((await post(server, '/batch/', { api_key: 'phc_x', batch: [...events.slice(0, 60), copy, ...events.slice(60)] })).status).toBe(200)
    expect(server.store.events.count()).toBe(120)
    expect(server.store.duplicateEvents).toBe(1)
    expect(server.store.persons.propertiesOf('p7')).toMatchObject({ plan: 'first' })
    // All again in one request, with one new event in the middle: only that one is stored.
    const fresh = { ...events[0]!, uuid: '0190a0a0-0000-7000-8000-ffffffffffff', distinct_id: 'new' }
    expect((await post(server, '/batch/', { api_key: 'phc_x', batch: [...events.slice(0, 70), fresh, ...events.slice(70)] })).status).toBe(200)
    expect(server.store.events.count()).toBe(121)
    expect(server.store.duplicateEvents).toBe(121)
    expect(server.store.persons.propertiesOf('new')).toMatchObject({ plan: 'first' })
  })

  it('a database written before events were stored once upgrades in place, keeping the first copy of each', () => {
    const path = join(dir, 'old.sqlite')
    new Store(path).close()
    // Back to the schema before the unique index (migration 3).
    const old = new Database(path)
    old.exec('DROP INDEX events_once')
    old.pragma('user_version = 2')
    const insert = old.prepare('INSERT INTO events (uuid, event, distinct_id, properties, timestamp, received_at, endpoint) VALUES (?, ?, ?, ?, ?, 0, ?)')
    insert.run('0190a0a0-0000-7000-8000-000000000001', 'e', 'u', '{"copy":1}', '2026-01-01T00:00:00.000Z', '/batch/')
    insert.run('0190a0a0-0000-7000-8000-000000000001', 'e', 'u', '{"copy":2}', '2026-01-01T09:00:00.000Z', '/batch/')
    insert.run('0190a0a0-0000-7000-8000-000000000001', 'e', 'u', '{"copy":3}', '2026-01-02T00:00:00.000Z', '/batch/') // another day: kept
    old.close()
    const store = new Store(path)
    try {
      expect(store.db.prepare('SELECT properties FROM events ORDER BY id').all()).toEqual([{ properties: '{"copy":1}' }, { properties: '{"copy":3}' }])
      expect(store.ingest([{ uuid: '0190a0a0-0000-7000-8000-000000000001', event: 'e', distinct_id: 'u', properties: {}, timestamp: '2026-01-01T12:00:00.000Z' }], '/batch/').stored).toBe(0)
      expect(store.duplicateEvents).toBe(1)
    } finally {
      store.close()
    }
  })

  it('makes new database files with 16 KiB pages and opens older 4 KiB-page files as they are, checkpointing about every 40 MiB', () => {
    const fresh = new Store(join(dir, 'new.sqlite'))
    const oldPath = join(dir, 'old-pages.sqlite')
    const old = new Database(oldPath)
    old.pragma('page_size = 4096')
    old.exec('CREATE TABLE kept (v TEXT)')
    old.prepare('INSERT INTO kept VALUES (?)').run('still here')
    old.close()
    const reopened = new Store(oldPath)
    try {
      expect([fresh.db.pragma('page_size', { simple: true }), fresh.db.pragma('wal_autocheckpoint', { simple: true })]).toEqual([16384, 2560])
      expect([reopened.db.pragma('page_size', { simple: true }), reopened.db.pragma('wal_autocheckpoint', { simple: true })]).toEqual([4096, 10240])
      expect(reopened.db.prepare('SELECT v FROM kept').pluck().get()).toBe('still here')
      expect(reopened.ingest([{ uuid: '0190a0a0-0000-7000-8000-000000000009', event: 'e', distinct_id: 'u', properties: {}, timestamp: '2026-01-01T12:00:00.000Z' }], '/batch/').stored).toBe(1)
    } finally {
      fresh.close()
      reopened.close()
    }
  })

  const total = Number(process.env.HOGLET_SPOOL_EVENTS ?? 10_000) >= 10_000 ? 3000 : 1000
  it(`SIGKILLed at random points while capturing ${total} events: none lost, none stored twice, re-sends counted`, async () => {
    const server = await startTestServer()
    const known = new Set<number>()
    let next = 0
    let kills = 0
    while (next < total) {
      const child = startChild(server, next, total - next, 'run')
      await child.waitFor(/^replayed /)
      // Kill after a random share of what is left has been captured (at most a fifth of the
      // run, so there are always several kills), then a little later still, so the kill lands
      // at varied points of capturing, writing and sending.
      const last = Math.min(total - 1, next + Math.floor(Math.random() * (total / 5)))
      await child.waitFor(new RegExp(`^c ${last}$`))
      await new Promise((r) => setTimeout(r, Math.random() * 40))
      await child.kill()
      kills++
      for (const n of child.captured) known.add(n)
      next = child.captured.size > 0 ? Math.max(...child.captured) + 1 : next
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      await startChild(server, total, 0, 'run').waitFor(/^done /)
      if (segmentCount() === 0) break
    }
    const rows = storedRows(server)
    const uuids = new Set(rows.map((r) => r.uuid))
    const lost = [...known].filter((n) => !rows.some((r) => r.n === n))
    const duplicates = server.store.duplicateEvents
    console.log(`spool against hoglet-server: ${kills} kills, ${known.size} confirmed, ${rows.length} stored, ${uuids.size} distinct uuids, lost ${lost.length}, duplicates received and not stored ${duplicates}`)
    expect(kills).toBeGreaterThan(2)
    expect(lost).toEqual([])
    expect(rows.length).toBe(uuids.size) // nothing stored twice
    // What was re-sent was in flight at a kill: at most two requests of maxBatchSize (100) each.
    expect(duplicates).toBeLessThanOrEqual(kills * 2 * 100)
    expect(segmentCount()).toBe(0)
  }, 180_000)

  for (const [written, replayedIn, endpoint] of [
    ['v1', 'v0', '/batch/'],
    ['v0', 'v1', '/i/v1/analytics/events'],
  ] as const) {
    it(`a spool written in Capture ${written} mode replays in ${replayedIn} mode, same uuids and timestamps`, async () => {
      const server = await startTestServer()
      const writer = startChild(server, 0, 120, 'hold', written)
      await writer.waitFor(/^held$/)
      await writer.kill()
      expect(server.store.events.count()).toBe(0)
      const spooled = spooledTimestamps()
      expect(spooled.size).toBe(120)
      const replayer = startChild(server, 0, 0, 'run', replayedIn)
      const done = JSON.parse((await replayer.waitFor(/^done /)).slice(5))
      expect(done.stats.replayed).toBe(120)
      const rows = storedRows(server)
      expect(rows.map((r) => r.n).sort((a, b) => a - b)).toEqual([...Array(120).keys()])
      expect(rows.every((r) => r.endpoint === endpoint)).toBe(true)
      expect(new Map(rows.map((r) => [r.uuid, r.timestamp]))).toEqual(spooled)
      expect(server.store.duplicateEvents).toBe(0)
      expect(segmentCount()).toBe(0)
    })
  }
})
