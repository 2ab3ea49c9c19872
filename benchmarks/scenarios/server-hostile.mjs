// How long one hostile request holds hoglet-server's event loop, and what a stream of huge
// invalid bodies does to its memory. The server runs in this process, so its event loop is
// this one: `monitorEventLoopDelay` sees every block. hoglet only (posthog-node has no server).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import { scenarioArgs, report, fail } from '../lib/scenario.mjs'
import { importPackage } from '../lib/snapshot.mjs'

const args = scenarioArgs({ invalidBodies: 60 })
if (args.lib !== 'hoglet') fail('server-hostile measures hoglet-server only')

const { startServer } = await importPackage('hoglet-server')
const server = await startServer({ port: 0, database: ':memory:' })
const MIB = 1024 * 1024

async function maxBlockMs(request) {
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  const status = await request()
  histogram.disable()
  return { ms: histogram.max / 1e6, status }
}
const send = (path, body, headers = {}) => () =>
  fetch(server.url + path, { method: 'POST', headers, body }).then(async (r) => (await r.arrayBuffer(), r.status))

/** lz64 where each code repeats the previous phrase plus one character: n codes → n²/2 characters. */
function lz64Bomb(outputChars) {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const chars = []
  let value = 0
  let bit = 5
  const write = (code, bits) => {
    for (let i = 0; i < bits; i++) {
      if ((code >> i) & 1) value |= 1 << bit
      if (--bit < 0) {
        chars.push(ALPHABET[value])
        value = 0
        bit = 5
      }
    }
  }
  write(0, 2)
  write(97, 8)
  let dictionary = 4
  let enlargeIn = 4
  let numBits = 3
  let phrase = 1
  let total = 1
  while (total < outputChars) {
    write(dictionary, numBits)
    total += ++phrase
    dictionary++
    if (--enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
  }
  write(2, numBits)
  if (bit !== 5) chars.push(ALPHABET[value])
  return chars.join('') + '='.repeat((4 - (chars.length % 4)) % 4)
}

const results = {}
const expectStatus = (name, got, want) => {
  if (got !== want) fail(`${name}: expected ${want}, got ${got}`)
}

let r = await maxBlockMs(send('/batch/?compression=lz64', lz64Bomb(600 * MIB), { 'content-type': 'text/plain' }))
expectStatus('lz64 bomb', r.status, 413)
results.lz64BombBlockMs = r.ms

r = await maxBlockMs(send('/batch/', gzipSync(Buffer.alloc(64 * MIB, 0x20)), { 'content-encoding': 'gzip' }))
expectStatus('gzip bomb', r.status, 413)
results.gzipBombBlockMs = r.ms

const one = JSON.stringify({ event: 'e', distinct_id: 'u' })
const n = Math.floor((19.5 * MIB) / (one.length + 1))
r = await maxBlockMs(send('/batch/', '{"api_key":"k","batch":[' + Array(n).fill(one).join(',') + ']}'))
expectStatus('huge batch', r.status, 200)
results.hugeBatchBlockMs = r.ms
results.hugeBatchEvents = n

const flags = Array.from({ length: 5000 }, (_, i) => ({
  key: `regex-${i}`,
  filters: { groups: [{ properties: [{ key: 'email', type: 'person', operator: 'regex', value: '^(a|aa)+$' }], rollout_percentage: 100 }] },
}))
const put = await fetch(server.url + '/_hoglet/flags', { method: 'PUT', headers: server.controlHeaders(), body: JSON.stringify({ flags }) })
expectStatus('5,000 regex flags', put.status, 200)
let flagsAnswer
r = await maxBlockMs(() =>
  fetch(server.url + '/flags?v=2', { method: 'POST', body: JSON.stringify({ token: 't', distinct_id: 'u', person_properties: { email: 'a'.repeat(5000) + 'b' } }) }).then(
    async (res) => ((flagsAnswer = await res.json()), res.status),
  ),
)
expectStatus('/flags over 5,000 regex flags', r.status, 200)
results.regexFlagsBlockMs = r.ms
// Flags the budget cut off (answered `failed`): the work the server declined to do.
results.regexFlagsCutOff = Object.values(flagsAnswer.flags).filter((f) => f.failed).length

const invalid = Buffer.alloc(19 * MIB, 0x7b)
await send('/batch/', invalid)()
const rssBefore = process.memoryUsage().rss
for (let i = 0; i < args.invalidBodies; i++) expectStatus('invalid JSON', await send('/batch/', invalid)(), 400)
const rssAfter = process.memoryUsage().rss
await server.close()

results.maxBlockMs = Math.max(results.lz64BombBlockMs, results.gzipBombBlockMs, results.hugeBatchBlockMs, results.regexFlagsBlockMs)
report({
  scenario: 'server-hostile',
  lib: 'hoglet',
  ...results,
  invalidBodies: args.invalidBodies,
  rssBeforeMiB: rssBefore / MIB,
  rssAfterMiB: rssAfter / MIB,
  rssGrowthMiB: (rssAfter - rssBefore) / MIB,
})
