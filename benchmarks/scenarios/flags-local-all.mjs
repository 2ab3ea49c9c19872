// getAllFlags over the 40-flag fixture with local evaluation only: µs per call after warm-up.
import { scenarioArgs, now, median, report, fail } from '../lib/scenario.mjs'
import { startFlagsClient, flagDigests } from '../lib/flags-client.mjs'

const args = scenarioArgs({ warmup: 1000, calls: 1000, reps: 5 })
const { sink, client, users } = await startFlagsClient(args.lib)

const check = await flagDigests(client, users)
if (check.flagsSeen === 0) fail(`${args.lib}: getAllFlags returned no flags`)

let blackhole = 0
for (let i = 0; i < args.warmup; i++) {
  const u = users[i % users.length]
  const flags = await client.getAllFlags(u.distinctId, u.options)
  blackhole += Object.keys(flags).length
}

const samples = []
for (let rep = 0; rep < args.reps; rep++) {
  const start = now()
  for (let i = 0; i < args.calls; i++) {
    const u = users[(i * 7 + rep) % users.length]
    const flags = await client.getAllFlags(u.distinctId, u.options)
    blackhole += flags === undefined ? 0 : 1
  }
  samples.push(((now() - start) * 1000) / args.calls)
}

const stats = await sink.stats()
await client.shutdown()
await sink.close()
report({
  scenario: 'flags-local-all',
  lib: args.lib,
  usPerCall: median(samples),
  samplesUs: samples,
  flagsPerCall: check.flagsSeen,
  undecided: check.undecided,
  remoteFlagsRequests: stats.remoteFlagsRequests,
  digests: check.digests,
  blackhole,
})
