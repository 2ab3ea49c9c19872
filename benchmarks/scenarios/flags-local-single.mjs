// One getFeatureFlag call with local evaluation: µs per call after warm-up. The calls cycle
// through all 40 flag keys and 1000 users, so the figure is not one cherry-picked flag.
import { readFileSync } from 'node:fs'
import { scenarioArgs, now, median, report, fail } from '../lib/scenario.mjs'
import { startFlagsClient, FIXTURE_PATH } from '../lib/flags-client.mjs'

const args = scenarioArgs({ warmup: 4000, calls: 8000, reps: 5 })
const keys = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')).flags.map((f) => f.key)
const { sink, client, users } = await startFlagsClient(args.lib)

let undecided = 0
for (let i = 0; i < args.warmup; i++) {
  const u = users[i % users.length]
  const value = await client.getFeatureFlag(keys[i % keys.length], u.distinctId, u.options)
  if (value === undefined) undecided++
}
if (undecided > 0) fail(`${args.lib}: ${undecided} of ${args.warmup} warm-up calls returned undefined`)

const samples = []
let truthy = 0
for (let rep = 0; rep < args.reps; rep++) {
  const start = now()
  for (let i = 0; i < args.calls; i++) {
    const u = users[(i * 7 + rep) % users.length]
    if (await client.getFeatureFlag(keys[i % keys.length], u.distinctId, u.options)) truthy++
  }
  samples.push(((now() - start) * 1000) / args.calls)
}

const stats = await sink.stats()
await client.shutdown()
await sink.close()
report({
  scenario: 'flags-local-single',
  lib: args.lib,
  usPerCall: median(samples),
  samplesUs: samples,
  truthyShare: truthy / (args.calls * args.reps),
  remoteFlagsRequests: stats.remoteFlagsRequests,
})
