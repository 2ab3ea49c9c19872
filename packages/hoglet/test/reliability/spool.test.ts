import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import { receivedEvents, serverPerTest } from '../helpers/client.js'
import { expectStatsIdentity } from '../helpers/stats-identity.js'

// The durable spool, against real files and real processes killed with SIGKILL.
// The child (fixtures/spool-capture.mjs) runs the BUILT package: `npm run build` first.

const fixture = fileURLToPath(new URL('../fixtures/spool-capture.mjs', import.meta.url))
let dir: string
const children: ChildProcess[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoglet-spool-test-'))
})
// After-hooks run in reverse order: children killed, then clients shut down and the server closed, then the directory removed.
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})
const { server, track } = serverPerTest()
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

function spooled(options: ConstructorParameters<typeof PostHog>[1] = {}): PostHog {
  return track(new PostHog('phc_spool', { host: server.url, logger: silentLogger, flushInterval: 0, fetchRetryDelay: 5, persistence: 'file', persistenceDir: dir, ...options }))
}

function segmentFiles(root = dir): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.seg')) out.push(path)
    }
  }
  if (existsSync(root)) walk(root)
  return out
}

interface Child {
  process: ChildProcess
  /** Highest n whose capture(n) returned, as far as the child got to say. */
  captured: Set<number>
  lines: string[]
  exited: Promise<number | null>
  waitFor(pattern: RegExp): Promise<string>
}

function startChild(start: number, count: number, mode = 'run', fsync = 'batch'): Child {
  const child = spawn(process.execPath, [fixture, server.url, dir, String(start), String(count), mode, fsync], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const captured = new Set<number>()
  const lines: string[] = []
  const watchers: Array<() => void> = []
  let buffered = ''
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
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  // 'close', not 'exit': the output a killed child wrote is all read by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    process: child,
    captured,
    lines,
    exited,
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

/** A child that spools `count` events (numbered from 0) without sending any, then is SIGKILLed. */
async function spoolAndDie(count: number, fsync = 'batch'): Promise<void> {
  const child = startChild(0, count, 'hold', fsync)
  await child.waitFor(/^held$/)
  child.process.kill('SIGKILL')
  await child.exited
}

function countByN(events: any[]): Map<number, number> {
  const counts = new Map<number, number>()
  for (const e of events) counts.set(e.properties.n, (counts.get(e.properties.n) ?? 0) + 1)
  return counts
}

/**
 * Reads the spool's journals (`<segment>.ack`, see runtime/file-spool.ts) between kills: the
 * events of `s` lines written since the last look that no `d` line settles were in a request
 * in flight when the process died. Segments are told apart by their first record's uuid (their
 * directories are renamed as processes take them over, and file names repeat across processes).
 */
class JournalWatch {
  readonly #linesSeen = new Map<string, number>()

  inFlightSinceLastLook(): string[] {
    const uuids: string[] = []
    for (const file of segmentFiles()) {
      const records = readFileSync(file, 'utf8').split('\n')
      const key = uuidOf(records[0] ?? '') ?? file
      let journal: string[]
      try {
        journal = readFileSync(`${file}.ack`, 'utf8').split('\n').filter((l) => l !== '')
      } catch {
        journal = []
      }
      const seen = this.#linesSeen.get(key) ?? 0
      this.#linesSeen.set(key, journal.length)
      const settled = new Set<number>()
      const fresh = new Set<number>()
      journal.forEach((line, i) => {
        const [kind, from, to] = line.split(' ')
        for (let r = Number(from); r < Number(to); r++) {
          if (kind === 'd') settled.add(r)
          else if (kind === 's' && i >= seen) fresh.add(r)
        }
      })
      for (const r of fresh) {
        const uuid = settled.has(r) ? undefined : uuidOf(records[r] ?? '')
        if (uuid !== undefined) uuids.push(uuid)
      }
    }
    return uuids
  }
}

function uuidOf(record: string): string | undefined {
  const brace = record.indexOf('{')
  if (brace < 0) return undefined
  try {
    return JSON.parse(record.slice(brace)).uuid
  } catch {
    return undefined
  }
}

describe('durable spool (persistence: file)', () => {
  it('replays a killed process\'s events at the next start with the same uuids and timestamps, then deletes them', async () => {
    await spoolAndDie(300)
    expect(server.requestsTo('/batch/')).toHaveLength(0)
    const files = segmentFiles()
    expect(files.length).toBeGreaterThan(0)
    const spooledLines = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
    const written = spooledLines.map((l) => JSON.parse(l.slice(l.indexOf('{'))))
    expect(written).toHaveLength(300)

    const client = spooled()
    expect(client.stats()).toMatchObject({ replayed: 300, captured: 300 })
    await client.flush()
    const events = receivedEvents(server)
    expect(events).toHaveLength(300)
    // Two batches may be in flight at once, so they can arrive in either order: compare by uuid.
    const times = spooledLines.map((l) => Number(l.split(' ')[2]))
    const spooledTimes = new Map(written.map((w, i) => [w.uuid as string, times[i]]))
    const sentTimes = new Map(events.map((e) => [e.uuid as string, Date.parse(e.timestamp)]))
    expect(sentTimes.size).toBe(300)
    expect(sentTimes).toEqual(spooledTimes)
    expectStatsIdentity(client.stats())
    // Delivered segments are deleted, and the dead process's directory with them.
    expect(segmentFiles()).toHaveLength(0)
    await client.shutdown()
    expect(segmentFiles()).toHaveLength(0)
  })

  const total = Number(process.env.HOGLET_SPOOL_EVENTS ?? 10_000)
  it(`loses none of ${total.toLocaleString('en')} events when processes are SIGKILLed at random points; re-sends (same uuid) only the events in flight at a kill`, async () => {
    const known = new Set<number>()
    const journal = new JournalWatch()
    /** Per uuid: at how many kills it was in a request in flight (sent, its answer not recorded). */
    const inFlightAtKills = new Map<string, number>()
    const inFlightPerKill: number[] = []
    let next = 0
    let kills = 0
    while (next < total) {
      const child = startChild(next, total - next)
      await child.waitFor(/^replayed /)
      // Kill after a random share of what is left has been captured (at most a fifth of the
      // run, so there are always several kills), then a little later still, so the kill lands
      // at varied points of capturing, writing and sending.
      const last = Math.min(total - 1, next + Math.floor(Math.random() * (total / 5)))
      await child.waitFor(new RegExp(`^c ${last}$`))
      await new Promise((r) => setTimeout(r, Math.random() * 40))
      child.process.kill('SIGKILL')
      await child.exited
      kills++
      const inFlight = journal.inFlightSinceLastLook()
      inFlightPerKill.push(inFlight.length)
      for (const uuid of inFlight) inFlightAtKills.set(uuid, (inFlightAtKills.get(uuid) ?? 0) + 1)
      for (const n of child.captured) known.add(n)
      // Continue after the last capture the child confirmed; one it did not get to confirm
      // may be spooled, and is then captured once more (a new uuid) with the same n.
      next = child.captured.size > 0 ? Math.max(...child.captured) + 1 : next
    }
    // A new process on the directory sends what is left; on a loaded machine its shutdown may
    // time out with events still spooled, and the next start sends those.
    let last = startChild(total, 0, 'run')
    for (let attempt = 0; ; attempt++) {
      await last.waitFor(/^done /)
      await last.exited
      if (segmentFiles().length === 0 || attempt === 4) break
      last = startChild(total, 0, 'run')
    }
    const events = receivedEvents(server)
    const byN = countByN(events)
    const lost = [...known].filter((n) => !byN.has(n))
    const received = new Map<string, number>()
    for (const e of events) received.set(e.uuid, (received.get(e.uuid) ?? 0) + 1)
    const resent = events.length - received.size
    // A uuid may arrive once more per kill that cut off the answer to its request, never otherwise.
    const beyondInFlight = [...received].filter(([uuid, count]) => count - 1 > (inFlightAtKills.get(uuid) ?? 0))
    const inFlightTotal = inFlightPerKill.reduce((a, b) => a + b, 0)
    if (lost.length > 0) console.log(`lost: ${lost.slice(0, 20).join(',')} … ${lost.slice(-5).join(',')}; last child: ${last.lines.slice(-3).join(' | ')}`)
    console.log(
      `spool SIGKILL test: ${kills} kills, ${known.size} events confirmed, ${events.length} received, ${received.size} distinct uuids, ` +
        `lost ${lost.length}, re-sent ${resent} (events in flight at the kills: ${inFlightTotal}, at most ${Math.max(...inFlightPerKill)} at one kill), re-sent beyond in flight ${beyondInFlight.length}`,
    )
    expect(kills).toBeGreaterThan(2)
    expect(known.size).toBe(total)
    expect(lost).toEqual([])
    expect(beyondInFlight).toEqual([])
    expect(resent).toBeLessThanOrEqual(inFlightTotal)
    // In flight at a kill: at most the lane's two requests of maxBatchSize (100) events.
    expect(Math.max(...inFlightPerKill)).toBeLessThanOrEqual(2 * 100)
    expect(segmentFiles()).toHaveLength(0)
  }, 120_000 + total * 20)

  it('stats() reports how many replayed events were in a request in flight at the kill (replayedInFlight)', async () => {
    // The server never answers: what the child sends stays in flight until it is killed.
    server.route('/batch/', { hang: true })
    const child = startChild(0, 500)
    await child.waitFor(/^c 499$/)
    // Once the requests stop coming, every request the child sent has reached the server.
    let seen = -1
    while (server.requestsTo('/batch/').length === 0 || server.requestsTo('/batch/').length !== seen) {
      seen = server.requestsTo('/batch/').length
      await new Promise((resolve) => setTimeout(resolve, 400))
    }
    child.process.kill('SIGKILL')
    await child.exited
    const sentUnanswered = new Set(receivedEvents(server).map((e) => e.uuid as string))
    // The journals agree with the server on which events were in flight.
    expect(new Set(new JournalWatch().inFlightSinceLastLook())).toEqual(sentUnanswered)
    expect(sentUnanswered.size).toBeGreaterThan(0)
    expect(sentUnanswered.size).toBeLessThan(500)

    server.route('/batch/', { status: 200, body: { status: 1 } })
    const before = server.requestsTo('/batch/').length
    const client = spooled()
    expect(client.stats()).toMatchObject({ captured: 500, replayed: 500, replayedInFlight: sentUnanswered.size })
    await client.flush()
    const stats = client.stats()
    expect(stats).toMatchObject({ delivered: 500, replayed: 500, replayedInFlight: sentUnanswered.size })
    expectStatsIdentity(stats)
    // Those are the events sent twice: once by the killed process, again (same uuids) by this one.
    const resent = server.requestsTo('/batch/').slice(before).flatMap((r) => r.json.batch as any[]).filter((e) => sentUnanswered.has(e.uuid))
    expect(resent).toHaveLength(sentUnanswered.size)
  })

  it('replayedInFlight is 0 when nothing was in flight at the kill', async () => {
    await spoolAndDie(80)
    expect(server.requestsTo('/batch/')).toHaveLength(0)
    const client = spooled()
    expect(client.stats()).toMatchObject({ replayed: 80, replayedInFlight: 0 })
  })

  it('two processes starting together on one directory take over a dead process\'s events once', async () => {
    await spoolAndDie(400)
    const a = startChild(1000, 0, 'run')
    const b = startChild(2000, 0, 'run')
    const [lineA, lineB] = await Promise.all([a.waitFor(/^done /), b.waitFor(/^done /)])
    const replayed = [lineA, lineB].map((l) => JSON.parse(l.slice(5)).stats.replayed as number)
    expect(replayed.sort((x, y) => x - y)).toEqual([0, 400])
    const byN = countByN(receivedEvents(server))
    expect(byN.size).toBe(400)
    expect([...byN.values()].every((count) => count === 1)).toBe(true)
  })

  it('skips and reports a corrupt tail, replaying the records before it', async () => {
    await spoolAndDie(50)
    const [file] = segmentFiles()
    appendFileSync(file!, '118 0 1700000000000 {"event":"cut short","distinct_id":"u"') // a write cut off mid-record
    const errors: Error[] = []
    const client = spooled({ onError: (e) => errors.push(e) })
    expect(client.stats().replayed).toBe(50)
    expect(errors.some((e) => /damaged record/.test(e.message))).toBe(true)
    await client.flush()
    expect(receivedEvents(server)).toHaveLength(50)
  })

  it('deletes a delivered segment before its journal, so a kill between the two replays nothing', async () => {
    await spoolAndDie(120)
    const client = spooled()
    expect(client.stats().replayed).toBe(120)
    // The dead process's directory, taken over: watch the deletions in it (inotify keeps their order).
    const [segment] = segmentFiles()
    const deleted: string[] = []
    const watcher = watch(dirname(segment!), (_kind, name) => {
      if (name !== null && !existsSync(join(dirname(segment!), name)) && !deleted.includes(name)) deleted.push(name)
    })
    try {
      await client.flush()
      await new Promise((resolve) => setTimeout(resolve, 100))
    } finally {
      watcher.close()
    }
    const name = basename(segment!)
    expect(receivedEvents(server)).toHaveLength(120)
    expect(deleted.filter((n) => n === name || n === `${name}.ack`)).toEqual([name, `${name}.ack`])
  })

  it('a journal whose segment is gone (a kill between the two deletions) replays nothing and is cleaned up', async () => {
    await spoolAndDie(40)
    const [segment] = segmentFiles()
    // What a kill right after the segment's deletion leaves: its journal alone.
    writeFileSync(`${segment}.ack`, 's 0 40\nd 0 40\n')
    rmSync(segment!)
    const client = spooled()
    expect(client.stats().replayed).toBe(0)
    await client.shutdown()
    expect(receivedEvents(server)).toHaveLength(0)
    // Nothing left: neither the journal nor the dead process's directory it was in.
    const left: string[] = []
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        left.push(name)
        if (statSync(join(d, name)).isDirectory()) walk(join(d, name))
      }
    }
    walk(dir)
    expect(left.filter((name) => name.endsWith('.ack') || name.startsWith('inherited-'))).toEqual([])
  })

  it('keeps events a timed-out shutdown could not deliver, and delivers them once afterwards', async () => {
    let up = false
    const accepted: any[] = []
    server.route('/batch/', (req) => {
      if (!up) return { status: 503 }
      accepted.push(...req.json.batch)
      return { status: 200, body: { status: 1 } }
    })
    const first = spooled({ flushAt: 1000, fetchRetryCount: 1000, fetchRetryDelay: 20, fetchRetryMaxDelay: 50 })
    for (let i = 0; i < 20; i++) first.capture({ distinctId: 'u', event: 'kept', properties: { n: i } })
    const result = await first.shutdown(100)
    expect(result).toMatchObject({ undelivered: 20, timedOut: true })
    expect(segmentFiles().length).toBeGreaterThan(0)
    // The client stays usable: its reopened spool took over what the shutdown left.
    expect(first.stats().replayed).toBe(20)
    const second = spooled()
    expect(second.stats().replayed).toBe(0) // a live client's directory is never taken over
    up = true
    await first.flush()
    expect(accepted.map((e) => e.properties.n)).toEqual([...Array(20).keys()])
    expectStatsIdentity(first.stats())
  })

  it('is bounded by persistenceMaxBytes: the oldest events are dropped, counted and reported', async () => {
    const client = spooled({ flushAt: 100_000, maxQueueSize: 100_000, persistenceMaxBytes: 64 * 1024 })
    const drops: Array<{ reason: string; count: number }> = []
    client.on('drop', ({ reason, count }) => drops.push({ reason, count }))
    for (let i = 0; i < 2000; i++) client.capture({ distinctId: 'u', event: 'bounded', properties: { n: i, pad: 'x'.repeat(100) } })
    const stats = client.stats()
    expectStatsIdentity(stats)
    expect(stats.dropped.queue_full).toBeGreaterThan(0)
    expect(drops.reduce((sum, d) => sum + d.count, 0)).toBe(stats.dropped.queue_full)
    const bytes = segmentFiles().reduce((sum, f) => sum + statSync(f).size, 0)
    expect(bytes).toBeLessThanOrEqual(64 * 1024 + 16 * 1024)
    await client.flush()
    const received = receivedEvents(server).map((e) => e.properties.n)
    expect(received.length).toBe(stats.queued)
    expect(received[received.length - 1]).toBe(1999) // the newest are kept
    expect(received[0]).toBeGreaterThan(0) // the oldest went
  })

  it('fsync policies: all three spool every event before capture() returns', async () => {
    for (const fsync of ['always', 'never', 'batch']) {
      await spoolAndDie(30, fsync)
      const lines = segmentFiles().flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
      expect(lines, fsync).toHaveLength(30)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses an unusable directory at construction, naming the option; is off by default', () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'x')
    expect(() => spooled({ persistenceDir: join(file, 'below') })).toThrow('`persistenceDir`')
    expect(() => spooled({ persistence: 'disk' as never })).toThrow('`persistence`')
    expect(() => spooled({ persistenceFsync: 'sometimes' as never })).toThrow('`persistenceFsync`')
    const memory = new PostHog('phc_spool', { host: server.url, logger: silentLogger })
    track(memory)
    memory.capture({ distinctId: 'u', event: 'e' })
    expect(segmentFiles()).toHaveLength(0)
  })
})
