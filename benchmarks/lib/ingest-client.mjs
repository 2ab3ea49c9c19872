// One SDK process for the server-ingest scenario. It first sends `warmup` events of the same
// shape and waits until they are stored (so neither this process nor the server is timed
// while the JIT is still compiling their hot paths: a server runs for hours), then queues its
// events (nothing is sent yet), says so, and on "go" flushes them to hoglet-server, so that
// the parent times sending and storing only, not building the events.
//   node ingest-client.mjs <host> <events> <maxBatchSize> <offset> <warmup>
import { createClient, tick } from './scenario.mjs'
import { makeEvent } from './workload.mjs'

const [host, eventsArg, batchArg, offsetArg, warmupArg] = process.argv.slice(2)
const events = Number(eventsArg)
const offset = Number(offsetArg)
const warmup = Number(warmupArg ?? 0)
const client = await createClient('hoglet', {
  host,
  flushAt: events + 1,
  flushInterval: 0,
  maxBatchSize: Number(batchArg),
  maxQueueSize: events + 1,
})
// Warm-up events have distinct ids of their own: the measured events still create their persons.
for (let i = 0; i < warmup; i++) {
  const event = makeEvent(offset + i)
  client.capture({ ...event, distinctId: `warmup-${event.distinctId}` })
  if (i % 1000 === 999) await tick()
}
if (warmup > 0) await client.flush()
for (let i = 0; i < events; i++) {
  client.capture(makeEvent(offset + i))
  if (i % 1000 === 999) await tick()
}
process.send({ type: 'queued' })
process.once('message', async (msg) => {
  if (msg.type !== 'go') return
  const cpuBefore = process.cpuUsage()
  await client.flush()
  // The SDK's CPU for sending (serialising, gzip on the thread pool, HTTP): it shares the
  // machine's cores with the server, so it bounds what the server can be given.
  const cpu = process.cpuUsage(cpuBefore)
  await client.shutdown()
  process.send({ type: 'flushed', cpuUs: cpu.user + cpu.system }, () => process.disconnect())
})
