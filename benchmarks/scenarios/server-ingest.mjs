// Events per second that hoglet-server stores when SDK processes send to it. The server
// runs in this process with a SQLite file in a temporary folder; each client process
// queues its events first, then all flush at once, and the clock stops when the events
// table (read through its own SQLite connection) holds every event. hoglet only.
// Each client first sends `--warmup` events (stored before the clock starts, not counted), so
// the figures are those of a running server rather than of its first seconds of JIT compiling;
// `--warmup 0` measures a cold start.
// The SDK raises maxBatchSize to flushAt, which the clients set above their event count so
// nothing leaves before "go": each request is cut at the SDK's 5 MiB instead (about 11,000
// events), whatever `--batch` says (it is reported as given).
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { scenarioArgs, now, report, fail } from '../lib/scenario.mjs'
import { importPackage } from '../lib/snapshot.mjs'

const args = scenarioArgs({ clients: 2, events: 100_000, batch: 2_000, warmup: 20_000 })
if (args.lib !== 'hoglet') fail('server-ingest measures hoglet-server with the hoglet SDK only')

const { startServer } = await importPackage('hoglet-server')
const dir = mkdtempSync(join(tmpdir(), 'hoglet-bench-'))
const database = join(dir, 'ingest.db')
const server = await startServer({ port: 0, database, quiet: true })
const url = server.url ?? `http://127.0.0.1:${server.port}`
const reader = new Database(database, { readonly: true, fileMustExist: true })
const countRows = reader.prepare('SELECT count(*) AS n FROM events')
// Polled while the server works: max(id) is one B-tree lookup, where count(*) would scan the
// table on the server's own event loop. The exact count is checked once at the end.
const lastRowId = reader.prepare('SELECT coalesce(max(id), 0) AS n FROM events')

const clientPath = fileURLToPath(new URL('../lib/ingest-client.mjs', import.meta.url))
const perClient = Math.ceil(args.events / args.clients)
const total = perClient * args.clients
const children = []
for (let c = 0; c < args.clients; c++) {
  const child = fork(clientPath, [url, String(perClient), String(args.batch), String(c * perClient), String(args.warmup)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.push({ child, queued: once(child, 'queued'), flushed: once(child, 'flushed') })
}
function once(child, type) {
  return new Promise((resolve, reject) => {
    child.on('message', (msg) => msg.type === type && resolve(msg))
    child.on('exit', (code) => reject(new Error(`ingest client exited with code ${code} before '${type}'`)))
  })
}

await Promise.all(children.map((c) => c.queued))
const before = countRows.get().n
const firstId = lastRowId.get().n
const cpuBefore = process.cpuUsage()
const start = now()
for (const { child } of children) child.send({ type: 'go' })
const deadline = Date.now() + 120_000
while (lastRowId.get().n - firstId < total && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 10))
}
const seconds = (now() - start) / 1000
// This process is the server (plus a 10 ms poll): its CPU per event is the server's cost,
// which the load on the machine moves far less than the wall-clock rate.
const cpu = process.cpuUsage(cpuBefore)
const stored = countRows.get().n
const flushed = await Promise.all(children.map((c) => c.flushed))
reader.close()
await (server.close?.() ?? server.stop?.())
rmSync(dir, { recursive: true, force: true })
if (stored - before !== total) fail(`hoglet-server stored ${stored - before} of ${total} events`)

report({
  scenario: 'server-ingest',
  lib: 'hoglet',
  eventsPerSecond: total / seconds,
  serverCpuUsPerEvent: (cpu.user + cpu.system) / total,
  clientCpuUsPerEvent: flushed.reduce((sum, msg) => sum + msg.cpuUs, 0) / total,
  events: total,
  clients: args.clients,
  maxBatchSize: args.batch,
  warmupEventsPerClient: args.warmup,
})
