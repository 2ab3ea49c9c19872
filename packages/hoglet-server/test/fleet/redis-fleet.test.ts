import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/index.js'
import { serverControl, type ServerControl } from '../server-control.js'
import { findRedisServer, startRedisServer, type RedisServer } from './redis-server.js'
import { killMember, sleep, startFleet, stopFleet, waitUntil, type FleetEnv, type Member } from './fleet.js'

const redisBinary = findRedisServer()
if (!redisBinary) console.warn('Redis fleet tests skipped: redis-server is not installed (apt-get install redis-server)')

const POLL_MS = 1000
const LOCK_TTL_MS = 3000
const SYNC_MS = 200

function definitions(rollout: number): unknown {
  return { flags: [{ id: 1, key: 'fleet-flag', active: true, filters: { groups: [{ properties: [], rollout_percentage: rollout }] } }] }
}

describe.skipIf(!redisBinary)('a fleet sharing flag definitions through Redis (real redis-server)', () => {
  let redis: RedisServer
  let server: RunningServer
  let control: ServerControl
  let fleet: Member[] = []
  let prefixes = 0

  beforeAll(async () => {
    redis = await startRedisServer(redisBinary!)
    server = await startServer({ database: ':memory:' })
    control = serverControl(server)
  })
  afterEach(async () => {
    await stopFleet(fleet)
    fleet = []
  })
  afterAll(async () => {
    await server?.close()
    await redis?.close()
  })

  const env = (extra: Partial<FleetEnv> = {}): FleetEnv => ({
    HOST: server.url,
    REDIS_PORT: redis.port,
    KEY_PREFIX: `test:fleet:${process.pid}:${++prefixes}`,
    POLL_MS,
    LOCK_TTL_MS,
    SYNC_MS,
    ...extra,
  })
  const alive = (): Member[] => fleet.filter((m) => m.alive)
  const leaders = (): Member[] => alive().filter((m) => m.last?.status?.role === 'leader')
  const allSee = (value: unknown) => () => alive().every((m) => m.last?.value === value)
  /** Definitions polls over `windowMs`, from now. */
  const pollsDuring = async (windowMs: number): Promise<number> => {
    const since = Date.now()
    await sleep(windowMs)
    return control.definitionsPolls(since).filter((r) => r.receivedAt < since + windowMs).length
  }

  it('8 processes make 1 definitions poll per interval, see a change within a second, and keep evaluating through a leader kill', async () => {
    control.setFlags(definitions(100))
    fleet = startFleet(8, env())
    await waitUntil('every process evaluates the flag', allSee(true), 15_000)
    await waitUntil('one process leads', () => leaders().length === 1, 5_000)

    const polls = await pollsDuring(6 * POLL_MS)
    console.log(`fleet of 8 with the Redis cache: ${polls} definitions polls in 6 poll intervals`)
    // One poll per interval, not eight (the leader's timer restarts after each poll, so a busy machine may fit fewer).
    expect(polls).toBeGreaterThanOrEqual(3)
    expect(polls).toBeLessThanOrEqual(7)
    // The followers evaluate the shared copy. (On a starved machine a process may miss the
    // command timeout, poll on its own once and store what it got; that is the fallback working.)
    expect(alive().filter((m) => m.last!.status!.copiesRead > 0).length).toBeGreaterThanOrEqual(7)

    // A change reaches every process (the delay is printed; redis-cache.test.ts shows it is pushed, not polled).
    control.setFlags(definitions(0))
    const changedAt = Date.now()
    await waitUntil('every process sees the change', allSee(false), POLL_MS + 3000)
    const loaded = control.definitionsPolls(changedAt).find((r) => r.status === 200)!
    const lags = alive().map((m) => m.reports.find((r) => r.at >= changedAt && r.value === false)!.at - loaded.receivedAt)
    console.log(`change seen by the followers ${Math.min(...lags)}–${Math.max(...lags)} ms after the leader's poll`)

    // The leader dies without releasing its lock: everyone keeps evaluating, another takes over.
    const oldLeader = leaders()[0]!
    const killedAt = Date.now()
    await killMember(oldLeader)
    await waitUntil('another process leads', () => leaders().length === 1 && leaders()[0] !== oldLeader, LOCK_TTL_MS + 2 * POLL_MS + 2000)
    console.log(`leader killed; another took over after ${Date.now() - killedAt} ms`)
    for (const m of alive()) {
      const since = m.reports.filter((r) => r.at >= killedAt)
      expect(since.length).toBeGreaterThan(5)
      expect(since.every((r) => r.value === false)).toBe(true)
    }
    expect(await pollsDuring(4 * POLL_MS)).toBeLessThanOrEqual(5)
    control.setFlags(definitions(100))
    await waitUntil('the new leader polls and every process sees the change', allSee(true), POLL_MS + 3000)
  }, 90_000)

  it('without the cache, each of the 8 processes polls every interval', async () => {
    control.setFlags(definitions(100))
    fleet = startFleet(8, env({ NO_CACHE: '1' }))
    await waitUntil('every process evaluates the flag', allSee(true), 15_000)
    const polls = await pollsDuring(4 * POLL_MS)
    console.log(`fleet of 8 without a cache: ${polls} definitions polls in 4 poll intervals`)
    expect(polls).toBeGreaterThanOrEqual(8 * 2)
  }, 60_000)

  it('Redis down: every process keeps evaluating, polls PostHog itself and reports it; Redis back: one poll per interval again', async () => {
    control.setFlags(definitions(100))
    fleet = startFleet(4, env())
    await waitUntil('every process evaluates the flag', allSee(true), 15_000)
    await waitUntil('one process leads', () => leaders().length === 1, 5_000)

    const stoppedAt = Date.now()
    await redis.stop()
    await waitUntil('every process reports Redis unavailable', () => alive().every((m) => m.last?.status?.redisAvailable === false && m.last.errors > 0), 3 * POLL_MS + 2000)
    expect(alive().every((m) => m.last!.status!.role === 'standalone')).toBe(true)
    const before = alive().map((m) => m.last!.definitionsFetches)
    const polls = await pollsDuring(4 * POLL_MS)
    console.log(`Redis down, fleet of 4: ${polls} definitions polls in 4 poll intervals`)
    // Every process polls on its own (each poll also waits out a Redis command timeout, so fewer than one per interval each).
    expect(polls).toBeGreaterThanOrEqual(2 * 4)
    alive().forEach((m, i) => expect(m.last!.definitionsFetches - before[i]!).toBeGreaterThanOrEqual(1))
    // A change still reaches every process: each one polls PostHog itself.
    control.setFlags(definitions(0))
    await waitUntil('every process sees a change made while Redis is down', allSee(false), 3 * POLL_MS)
    for (const m of alive()) expect(m.reports.filter((r) => r.at >= stoppedAt).every((r) => r.value !== null)).toBe(true)

    await redis.restart()
    await waitUntil('Redis is seen again and one process leads', () => alive().every((m) => m.last?.status?.redisAvailable === true) && leaders().length === 1, 4 * POLL_MS + 2000)
    await sleep(POLL_MS)
    const fetchesBefore = alive().map((m) => m.last!.definitionsFetches)
    const pollsAfter = await pollsDuring(4 * POLL_MS)
    console.log(`Redis back: ${pollsAfter} definitions polls in 4 poll intervals; per process ${alive().map((m, i) => m.last!.definitionsFetches - fetchesBefore[i]!).join(', ')}`)
    expect(pollsAfter).toBeLessThanOrEqual(5)
    // The copy stored again after the restart is the newest one, not the one from before the outage.
    expect(allSee(false)()).toBe(true)
  }, 90_000)
})
