// Bytes on the wire per event: the same events sent by both libraries with the same batching
// (100 events a request, gzip on), counted by the sink in the other process as they arrive,
// both as sent (gzipped) and as JSON. Two arrival patterns: bursts (many events in one
// millisecond, as under load) and spaced (each event in a millisecond of its own, as in a
// quiet service), since consecutive UUID v7 ids share more digits in the first.
import { scenarioArgs, createClient, tick, report, fail } from '../lib/scenario.mjs'
import { startSink } from '../lib/sink.mjs'
import { makeEvent } from '../lib/workload.mjs'

const args = scenarioArgs({ events: 20_000, burst: 500, spaced: 2_000, batch: 100 })
const sink = await startSink()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function send(count, burst, pauseMs) {
  await sink.reset()
  const client = await createClient(args.lib, {
    host: sink.url,
    flushAt: args.batch,
    maxBatchSize: args.batch,
    flushInterval: 60_000,
    maxQueueSize: count,
  })
  for (let i = 0; i < count; i += burst) {
    const end = Math.min(count, i + burst)
    for (let j = i; j < end; j++) client.capture(makeEvent(j))
    if (pauseMs > 0) await sleep(pauseMs)
    else await tick()
  }
  await client.flush()
  const stats = await sink.waitForEvents(count, 120_000)
  await client.shutdown()
  if (stats.events !== count || stats.badRequests > 0) {
    fail(`${args.lib}: sink counted ${stats.events} events (${stats.badRequests} bad requests), expected ${count}`)
  }
  return { gzip: stats.batchBytes / count, json: stats.batchJsonBytes / count }
}

const bursts = await send(args.events, args.burst, 0)
const spaced = await send(args.spaced, 1, 1)
await sink.close()

report({
  scenario: 'wire-bytes',
  lib: args.lib,
  gzipBytesPerEvent: bursts.gzip,
  jsonBytesPerEvent: bursts.json,
  spacedGzipBytesPerEvent: spaced.gzip,
})
