#!/usr/bin/env node
// Soak for `hoglet import`: generates N events (default 1,000,000) as JSONL, imports them into
// a hoglet-server process, SIGKILLs the import part-way (default at 40%) and resumes it, then
// counts the stored events by uuid. Prints events/s and the importer's resident memory
// (sampled from /proc; Linux only), whose flatness is the point.
//
//   npm run soak:import                       1,000,000 events, kill at 40%
//   npm run soak:import -- --events 200000 --kill-at 0
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, 'kill-at': { type: 'string', default: '0.4' }, 'batch-size': { type: 'string', default: '1000' } } })
const total = Number(values.events)
const killAt = Number(values['kill-at'])
const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'packages/hoglet/bin/hoglet.js')
const dir = mkdtempSync(join(tmpdir(), 'hoglet-import-soak-'))
const file = join(dir, 'events.jsonl')
const db = join(dir, 'server.db')

async function generate() {
  const out = createWriteStream(file)
  const base = Date.UTC(2020, 0, 1)
  for (let i = 0; i < total; i++) {
    const line = `{"event":"event ${i % 20}","distinct_id":"user-${i % 10000}","timestamp":"${new Date(base + i * 1000).toISOString()}","properties":{"n":${i},"plan":"${i % 3 ? 'free' : 'pro'}","path":"/page/${i % 500}"}}\n`
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

function startServer() {
  const child = spawn(process.execPath, [join(root, 'packages/hoglet-server/dist/cli.js'), '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout.on('data', (d) => {
      text += d
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0]
      if (url) resolve({ child, url })
    })
    child.on('exit', () => reject(new Error(`hoglet-server exited: ${text}`)))
  })
}

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** Runs the importer, sampling its RSS every 250 ms; `stopWhen` may SIGKILL it. */
function runImport(url, samples, stopWhen) {
  const args = [bin, 'import', file, '--api-key', 'phc_soak', '--host', url, '--batch-size', values['batch-size'], '--progress-interval', '5']
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  const timer = setInterval(() => {
    const kb = rssKb(child.pid)
    if (kb > 0) samples.push(kb)
    if (stopWhen?.()) child.kill('SIGKILL')
  }, 250)
  return new Promise((resolve) => child.on('exit', (code, signal) => (clearInterval(timer), resolve({ code, signal }))))
}

await generate()
console.log(`generated ${total.toLocaleString('en-US')} events, ${(statSync(file).size / 1e6).toFixed(0)} MB`)
const { child: server, url } = await startServer()
const reader = new Database(db, { readonly: true })
const count = () => reader.prepare('SELECT COUNT(*) AS n FROM events').get().n
const samples = []
const started = Date.now()
if (killAt > 0) {
  const first = await runImport(url, samples, () => count() >= total * killAt)
  console.log(`first run ended by ${first.signal ?? `exit ${first.code}`} with ${count().toLocaleString('en-US')} events stored`)
}
const last = await runImport(url, samples)
const seconds = (Date.now() - started) / 1000
const { rows, uuids, ns } = reader.prepare("SELECT COUNT(*) AS rows, COUNT(DISTINCT uuid) AS uuids, COUNT(DISTINCT json_extract(properties, '$.n')) AS ns FROM events").get()
const sorted = [...samples].sort((a, b) => a - b)
const at = (f) => (samples[Math.min(samples.length - 1, Math.floor(f * samples.length))] / 1024).toFixed(0)
console.log(`
import soak: ${total.toLocaleString('en-US')} events${killAt > 0 ? `, SIGKILL at ${killAt * 100}% then resumed` : ''} (exit ${last.code})
  stored rows ${rows}, distinct uuids ${uuids}, distinct events ${ns}: missing ${total - ns}, under a second uuid ${uuids - ns}, resent under their own uuid ${rows - uuids}
  wall time ${seconds.toFixed(1)} s, ${Math.round(total / seconds).toLocaleString('en-US')} events/s (including the server storing them)
  importer RSS: peak ${(sorted.at(-1) / 1024).toFixed(0)} MB; at 10/50/90% of the run ${at(0.1)}/${at(0.5)}/${at(0.9)} MB (${samples.length} samples)`)
reader.close()
server.kill('SIGTERM')
await once(server, 'exit')
rmSync(dir, { recursive: true, force: true })
process.exit(last.code === 0 && ns === total && uuids === ns ? 0 : 1)
