// What one capture() costs the caller: CPU time per call and memory kept per queued event.
// flushAt and the flush interval are set so that nothing is sent while measuring; the sink
// then checks that every captured event really arrives once flushed.
// Needs --expose-gc (the runner passes it).
import { scenarioArgs, createClient, now, tick, median, report, fail } from '../lib/scenario.mjs'
import { startSink } from '../lib/sink.mjs'
import { makeEvent } from '../lib/workload.mjs'

const args = scenarioArgs({ warmup: 20_000, events: 20_000, reps: 5, heapEvents: 50_000, smallQueue: 800 })
if (typeof global.gc !== 'function') fail('capture-cost needs node --expose-gc')

const sink = await startSink()
const quiet = {
  host: sink.url,
  flushAt: 1_000_000,
  maxBatchSize: 1_000,
  flushInterval: 0,
  maxQueueSize: 1_000_000,
}
let delivered = 0

async function deliverAll(client, captured) {
  delivered += captured
  await client.flush()
  await sink.waitForEvents(delivered, 60_000)
}

function fullGc() {
  global.gc()
  global.gc()
}

/** Memory off the V8 heap (ArrayBuffers, Buffers) counts too: a queue could keep events there. */
function memory() {
  const m = process.memoryUsage()
  return { heap: m.heapUsed, all: m.heapUsed + m.external }
}

/**
 * Memory kept per queued event. Measured first, in a fresh process, so that nothing left
 * over from other work can be collected between the two readings and hide part of the
 * growth. The events are created inside the loop, as in a request handler, so what stays
 * alive is the SDK's copy (or its reference to the caller's object).
 */
async function measureMemory(count) {
  const client = await createClient(args.lib, quiet)
  for (let i = 0; i < 1_000; i++) client.capture(makeEvent(i)) // load lazy code paths first
  await tick()
  await deliverAll(client, 1_000)
  await tick()
  fullGc()
  const before = memory()
  for (let i = 0; i < count; i++) client.capture(makeEvent(i))
  const transient = memory()
  await tick()
  await tick()
  fullGc()
  const after = memory()
  const stats = await sink.stats()
  if (stats.events !== delivered) fail(`${args.lib}: events were sent while they should be queued`)
  // The client is used after the readings, so it cannot be collected before them.
  await deliverAll(client, count)
  await client.shutdown()
  return {
    all: (after.all - before.all) / count,
    heap: (after.heap - before.heap) / count,
    transient: (transient.all - before.all) / count,
  }
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

// Events are built before timing: the app's own object construction is not the SDK's cost.
function prepare(count, offset) {
  return Array.from({ length: count }, (_, i) => makeEvent(offset + i))
}

/** CPU per call: a warm-up, then `reps` timed runs; nothing may be sent while timing. */
async function measureCpu() {
  const client = await createClient(args.lib, quiet)
  await timedCaptures(client, prepare(args.warmup, 0))
  await deliverAll(client, args.warmup)
  const total = []
  const sync = []
  for (let rep = 0; rep < args.reps; rep++) {
    const events = prepare(args.events, rep * args.events)
    global.gc()
    const before = await sink.stats()
    const t = await timedCaptures(client, events)
    const after = await sink.stats()
    if (after.batchRequests !== before.batchRequests) fail(`${args.lib}: sent a request during the timed region`)
    total.push(t.totalUs)
    sync.push(t.syncUs)
    await deliverAll(client, events.length)
  }
  await client.shutdown()
  return { usPerCapture: median(total), usPerCaptureSync: median(sync), samplesUs: total }
}

// A large queue (a burst, or PostHog unreachable for a while), then a small one that fits in
// the next batch; the small one is read three times (median), its growth being small.
const large = await measureMemory(args.heapEvents)
const small = []
for (let i = 0; i < 3; i++) small.push((await measureMemory(args.smallQueue)).all)
const cpu = await measureCpu()
await sink.close()
report({
  scenario: 'capture-cost',
  lib: args.lib,
  ...cpu,
  heapBytesPerEvent: large.all,
  v8HeapBytesPerEvent: large.heap,
  transientHeapBytesPerEvent: large.transient,
  smallQueueBytesPerEvent: median(small),
  delivered,
})
