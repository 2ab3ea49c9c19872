// One getFeatureFlag call with local evaluation: µs per call after warm-up. The calls cycle
// through all 40 flag keys and 1000 users, so the figure is not one cherry-picked flag.
import { readFileSync } from 'node:fs'
import { scenarioArgs, warmUp, timeCalls, median, report, fail } from '../lib/scenario.mjs'
import { startFlagsClient, FIXTURE_PATH } from '../lib/flags-client.mjs'

const args = scenarioArgs({ warmup: 10_000, calls: 8000, reps: 5 })
const keys = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')).flags.map((f) => f.key)
const { sink, client, users } = await startFlagsClient(args.lib)

let undecided = 0
await warmUp(async (i) => {
  const u = users[i % users.length]
  if ((await client.getFeatureFlag(keys[i % keys.length], u.distinctId, u.options)) === undefined) undecided++
}, { minCalls: args.warmup })
if (undecided > 0) fail(`${args.lib}: ${undecided} warm-up calls returned undefined`)

const wall = []
const cpu = []
let truthy = 0
for (let rep = 0; rep < args.reps; rep++) {
  const t = await timeCalls(args.calls, async (i) => {
    const u = users[(i * 7 + rep) % users.length]
    if (await client.getFeatureFlag(keys[i % keys.length], u.distinctId, u.options)) truthy++
  })
  wall.push(t.wallUs)
  cpu.push(t.cpuUs)
}

const stats = await sink.stats()
await client.shutdown()
await sink.close()
report({
  scenario: 'flags-local-single',
  lib: args.lib,
  usPerCall: median(wall),
  cpuUsPerCall: median(cpu),
  samplesUs: wall,
  truthyShare: truthy / (args.calls * args.reps),
  remoteFlagsRequests: stats.remoteFlagsRequests,
})
