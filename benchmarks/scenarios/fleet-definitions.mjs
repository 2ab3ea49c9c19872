// Flag-definitions requests a fleet makes: N processes with local evaluation poll the sink's
// definitions endpoint, each on its own (hoglet and posthog-node), or sharing one copy through
// Redis (hoglet/redis; posthog-node has the provider interface but no implementation). The
// sink counts requests over a window of poll intervals; the figures are scaled to requests
// per minute at the default 30 s interval. Needs redis-server (Debian package).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { scenarioArgs, report, fail } from '../lib/scenario.mjs'
import { startSink } from '../lib/sink.mjs'
import { FIXTURE_PATH } from '../lib/flags-client.mjs'
import { findRedisServer, startRedisServer } from '../lib/redis-server.mjs'

const args = scenarioArgs({ processes: 8, pollMs: 1000, intervals: 10 })
const MEMBER = fileURLToPath(new URL('../lib/fleet-member.mjs', import.meta.url))
const DEFAULT_INTERVAL_MS = 30_000

async function measure(redisPort) {
  const sink = await startSink({ definitionsPath: FIXTURE_PATH })
  const members = []
  for (let i = 0; i < args.processes; i++) {
    const child = fork(MEMBER, [args.lib, sink.url, String(args.pollMs), redisPort ? String(redisPort) : 'none', `bench:fleet:${process.pid}`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env,
    })
    members.push({ child, ready: new Promise((resolve, reject) => {
      child.on('message', (m) => m.type === 'ready' && resolve())
      child.once('exit', (code) => reject(new Error(`fleet member exited with ${code}`)))
    }) })
  }
  await Promise.all(members.map((m) => m.ready))
  // Let start-up polls pass, then count a window of whole intervals.
  await new Promise((r) => setTimeout(r, args.pollMs * 1.5))
  const before = (await sink.stats()).definitionsRequests
  await new Promise((r) => setTimeout(r, args.pollMs * args.intervals))
  const polls = (await sink.stats()).definitionsRequests - before
  const evaluations = await Promise.all(
    members.map(
      ({ child }) =>
        new Promise((resolve) => {
          child.on('message', (m) => m.type === 'evaluations' && resolve(m))
          child.send({ type: 'report' })
        }),
    ),
  )
  await Promise.all(members.map(({ child }) => new Promise((resolve) => {
    child.once('exit', resolve)
    child.send({ type: 'stop' })
  })))
  await sink.close()
  const failed = evaluations.reduce((n, e) => n + e.failed, 0)
  if (failed > 0) fail(`${args.lib}: ${failed} evaluations found no definitions`)
  const perInterval = polls / args.intervals
  return { perInterval, perMinute: (perInterval * 60_000) / DEFAULT_INTERVAL_MS }
}

const alone = await measure(undefined)
let shared
if (args.lib === 'hoglet') {
  const binary = findRedisServer()
  if (!binary) fail('fleet-definitions needs redis-server (apt-get install redis-server)')
  const redis = await startRedisServer(binary)
  try {
    shared = await measure(redis.port)
  } finally {
    await redis.close()
  }
}

report({
  scenario: 'fleet-definitions',
  lib: args.lib,
  processes: args.processes,
  // The fleet's best configuration per library: hoglet with the Redis cache, posthog-node on its own.
  definitionsPerMinute: (shared ?? alone).perMinute,
  definitionsPerMinuteNoCache: alone.perMinute,
  pollsPerIntervalNoCache: alone.perInterval,
  pollsPerIntervalRedis: shared?.perInterval,
})
