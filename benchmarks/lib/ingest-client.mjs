// One SDK process for the server-ingest scenario. It queues its events first (nothing is
// sent yet), says so, and on "go" flushes them to hoglet-server, so that the parent times
// sending and storing only, not building the events.
//   node ingest-client.mjs <host> <events> <maxBatchSize> <offset>
import { createClient, tick } from './scenario.mjs'
import { makeEvent } from './workload.mjs'

const [host, eventsArg, batchArg, offsetArg] = process.argv.slice(2)
const events = Number(eventsArg)
const offset = Number(offsetArg)
const client = await createClient('hoglet', {
  host,
  flushAt: events + 1,
  flushInterval: 0,
  maxBatchSize: Number(batchArg),
  maxQueueSize: events + 1,
})
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
