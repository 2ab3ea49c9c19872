// What one capture() costs the caller: CPU time per call and heap kept per queued event.
// flushAt and the flush interval are set so that nothing is sent during the timed region;
// the sink then checks that every captured event really arrives once flushed.
// Needs --expose-gc (the runner passes it).
import { scenarioArgs, createClient, now, tick, median, report, fail } from '../lib/scenario.mjs'
import { startSink } from '../lib/sink.mjs'
import { makeEvent } from '../lib/workload.mjs'

const args = scenarioArgs({ warmup: 20_000, events: 20_000, reps: 5, heapEvents: 50_000 })
if (typeof global.gc !== 'function') fail('capture-cost needs node --expose-gc')

const sink = await startSink()
const quiet = {
  host: sink.url,
  flushAt: 1_000_000,
  maxBatchSize: 1_000,
  flushInterval: 0,
  maxQueueSize: 1_000_000,
}

// Events are built before timing: the app's own object construction is not the SDK's cost.
function prepare(count, offset) {
  return Array.from({ length: count }, (_, i) => makeEvent(offset + i))
}

/** Runs the captures; `syncUs` stops when the calls return, `totalUs` after deferred work. */
async function timedCaptures(client, events) {
  const start = now()
  for (let i = 0; i < events.length; i++) client.capture(events[i])
  const syncEnd = now()
  await tick()
  await tick()
  const end = now()
  return { syncUs: ((syncEnd - start) * 1000) / events.length, totalUs: ((end - start) * 1000) / events.length }
}

async function deliverAll(client, expected) {
  await client.flush()
  await sink.waitForEvents(expected, 60_000)
}

// --- CPU per call -----------------------------------------------------------------------
const client = await createClient(args.lib, quiet)
let expected = 0
await timedCaptures(client, prepare(args.warmup, 0))
expected += args.warmup
await deliverAll(client, expected)

const total = []
const sync = []
for (let rep = 0; rep < args.reps; rep++) {
  const events = prepare(args.events, expected)
  global.gc()
  const before = await sink.stats()
  const t = await timedCaptures(client, events)
  const after = await sink.stats()
  if (after.batchRequests !== before.batchRequests) fail(`${args.lib}: sent a request during the timed region`)
  total.push(t.totalUs)
  sync.push(t.syncUs)
  expected += events.length
  await deliverAll(client, expected)
}
await client.shutdown()

// --- heap kept per queued event --------------------------------------------------------
// A fresh client; the events are created inside the loop so that the SDK's copy (or its
// reference to the caller's object) is what stays alive, as in a real request handler.
const heapClient = await createClient(args.lib, quiet)
await timedCaptures(heapClient, prepare(1_000, 0)) // load lazy code paths first
await deliverAll(heapClient, expected + 1_000)
expected += 1_000
await tick()
global.gc()
global.gc()
const heapBefore = process.memoryUsage().heapUsed
for (let i = 0; i < args.heapEvents; i++) heapClient.capture(makeEvent(i))
const heapTransient = process.memoryUsage().heapUsed
await tick()
await tick()
global.gc()
global.gc()
const heapAfter = process.memoryUsage().heapUsed
const stats = await sink.stats()
if (stats.events !== expected) fail(`${args.lib}: events were sent while they should be queued`)
expected += args.heapEvents
await deliverAll(heapClient, expected)
await heapClient.shutdown()
await sink.close()

report({
  scenario: 'capture-cost',
  lib: args.lib,
  usPerCapture: median(total),
  usPerCaptureSync: median(sync),
  samplesUs: total,
  heapBytesPerEvent: (heapAfter - heapBefore) / args.heapEvents,
  transientHeapBytesPerEvent: (heapTransient - heapBefore) / args.heapEvents,
  delivered: expected,
})
