// What the durable spool (persistence: 'file') adds to one capture(), per fsync policy, beside
// the in-memory figure of the same client set-up: the same ~10-property events, timed the way
// capture-cost times them, with nothing sent while timing. hoglet only (posthog-node has no
// file spool). The spool lives in a fresh temporary directory, removed at the end.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scenarioArgs, createClient, now, tick, median, report, fail } from '../lib/scenario.mjs'
import { startSink } from '../lib/sink.mjs'
import { makeEvent } from '../lib/workload.mjs'

const args = scenarioArgs({ warmup: 20_000, events: 20_000, reps: 5, alwaysEvents: 300 })
if (args.lib !== 'hoglet') fail('spool-cost measures hoglet only')

const sink = await startSink()
const dir = mkdtempSync(join(tmpdir(), 'hoglet-bench-spool-'))
let delivered = 0

function prepare(count, offset) {
  return Array.from({ length: count }, (_, i) => makeEvent(offset + i))
}

async function timed(client, events) {
  const start = now()
  for (let i = 0; i < events.length; i++) client.capture(events[i])
  await tick()
  await tick()
  return ((now() - start) * 1000) / events.length
}

/** µs per capture, median of `reps` runs after a warm-up; each run's events are then delivered. */
async function measure(mode, eventsPerRep) {
  const options = { host: sink.url, flushAt: 1_000_000, maxBatchSize: 1_000, flushInterval: 0, maxQueueSize: 1_000_000 }
  if (mode !== 'memory') Object.assign(options, { persistence: 'file', persistenceDir: join(dir, mode), persistenceFsync: mode, persistenceMaxBytes: 1024 * 1024 * 1024 })
  const client = await createClient('hoglet', options)
  const deliver = async (count) => {
    delivered += count
    await client.flush()
    await sink.waitForEvents(delivered, 60_000)
  }
  const warm = Math.min(args.warmup, eventsPerRep * 4)
  await timed(client, prepare(warm, 0))
  await deliver(warm)
  const runs = []
  for (let rep = 0; rep < args.reps; rep++) {
    const events = prepare(eventsPerRep, (rep + 1) * eventsPerRep)
    global.gc?.()
    const before = await sink.stats()
    runs.push(await timed(client, events))
    const after = await sink.stats()
    if (after.batchRequests !== before.batchRequests) fail(`${mode}: sent a request during the timed region`)
    await deliver(events.length)
  }
  const stats = client.stats()
  await client.shutdown()
  if (stats.droppedTotal !== 0) fail(`${mode}: events were dropped`)
  return median(runs)
}

// Interleaved, so a slow moment of the machine does not land on one mode only.
const memory = []
const batch = []
const never = []
for (let round = 0; round < 2; round++) {
  memory.push(await measure('memory', args.events))
  batch.push(await measure('batch', args.events))
  never.push(await measure('never', args.events))
}
const always = await measure('always', args.alwaysEvents)
await sink.close()
rmSync(dir, { recursive: true, force: true })
report({
  scenario: 'spool-cost',
  lib: 'hoglet',
  usPerCaptureMemory: median(memory),
  usPerCaptureSpoolBatch: median(batch),
  usPerCaptureSpoolNever: median(never),
  usPerCaptureSpoolAlways: always,
  delivered,
})
