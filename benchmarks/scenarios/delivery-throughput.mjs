// End-to-end events per second: capture N events (built beforehand) the way a busy service does
// (in bursts, yielding to the event loop between them), flush, and stop the clock when the sink in the
// other process has counted all N. By default each library runs with its own default
// batching (flushAt, flushInterval, maxBatchSize) and gzip; `--flushAt` and `--maxBatchSize`
// set both libraries alike instead. maxQueueSize is raised to N so that neither drops events
// when capture outpaces delivery. `--v1 1` sends through Capture v1 instead of `/batch/`
// (hoglet's `captureMode: 'v1'`; posthog-node's `POSTHOG_CAPTURE_MODE=v1`).
// The warm-up is `--warmup` events delivered the same way, untimed, in runs of `--events`: V8
// tiers up code that runs once per request (node:http's, each library's send path) only after
// thousands of calls, so with a short warm-up the timed runs still pay for its compilation
// (a fixed cost of a fresh process, not a cost per event).
import { scenarioArgs, createClient, now, tick, median, report, fail } from '../lib/scenario.mjs'
import { startSink } from '../lib/sink.mjs'
import { makeEvent } from '../lib/workload.mjs'

const args = scenarioArgs({ warmup: 150_000, events: 50_000, burst: 500, reps: 3, flushAt: 0, maxBatchSize: 0, v1: 0 })
const batching = {}
if (args.v1) {
  if (args.lib === 'hoglet') batching.captureMode = 'v1'
  else process.env.POSTHOG_CAPTURE_MODE = 'v1'
}
if (args.flushAt > 0) batching.flushAt = args.flushAt
if (args.maxBatchSize > 0) batching.maxBatchSize = args.maxBatchSize
const sink = await startSink()

async function deliver(count) {
  await sink.reset()
  const client = await createClient(args.lib, { host: sink.url, maxQueueSize: count, ...batching })
  // The events are built before the clock, as in capture-cost: the application's own object
  // construction is not the SDK's cost. What building them costs is measured and reported apart.
  const built = process.cpuUsage()
  const events = Array.from({ length: count }, (_, j) => makeEvent(j))
  const buildCpu = process.cpuUsage(built)
  const cpuBefore = process.cpuUsage()
  const start = now()
  for (let i = 0; i < count; i += args.burst) {
    const end = Math.min(count, i + args.burst)
    for (let j = i; j < end; j++) client.capture(events[j])
    await tick()
  }
  await client.flush()
  const stats = await sink.waitForEvents(count, 120_000)
  const seconds = (now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  await client.shutdown()
  if (stats.events !== count) fail(`${args.lib}: sink counted ${stats.events} events, expected ${count}`)
  return {
    eventsPerSecond: count / seconds,
    // All of this process's CPU (every thread, so gzip on the threadpool too) per event.
    cpuUsPerEvent: (cpu.user + cpu.system) / count,
    buildUsPerEvent: (buildCpu.user + buildCpu.system) / count,
    requests: stats.batchRequests,
    bytes: stats.batchBytes,
  }
}

for (let left = args.warmup; left > 0; left -= args.events) await deliver(Math.min(left, args.events))
const runs = []
for (let rep = 0; rep < args.reps; rep++) runs.push(await deliver(args.events))
await sink.close()

report({
  scenario: args.v1 ? 'delivery-throughput-v1' : 'delivery-throughput',
  lib: args.lib,
  eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
  samples: runs.map((r) => Math.round(r.eventsPerSecond)),
  cpuUsPerEvent: median(runs.map((r) => r.cpuUsPerEvent)),
  eventBuildUsPerEvent: median(runs.map((r) => r.buildUsPerEvent)),
  requestsPerRun: median(runs.map((r) => r.requests)),
  gzipBytesPerEvent: median(runs.map((r) => r.bytes / args.events)),
})
