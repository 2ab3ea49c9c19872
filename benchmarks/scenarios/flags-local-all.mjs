// getAllFlags over the 40-flag fixture with local evaluation only: µs per call after warm-up.
import { scenarioArgs, warmUp, timeCalls, median, report, fail } from '../lib/scenario.mjs'
import { startFlagsClient, flagDigests } from '../lib/flags-client.mjs'

const args = scenarioArgs({ warmup: 2000, calls: 1000, reps: 5 })
const { sink, client, users } = await startFlagsClient(args.lib)

const check = await flagDigests(client, users)
if (check.flagsSeen === 0) fail(`${args.lib}: getAllFlags returned no flags`)

let flagsReturned = 0
await warmUp(async (i) => {
  const u = users[i % users.length]
  flagsReturned += Object.keys(await client.getAllFlags(u.distinctId, u.options)).length
}, { minCalls: args.warmup })

const wall = []
const cpu = []
for (let rep = 0; rep < args.reps; rep++) {
  const t = await timeCalls(args.calls, async (i) => {
    const u = users[(i * 7 + rep) % users.length]
    flagsReturned += Object.keys(await client.getAllFlags(u.distinctId, u.options)).length
  })
  wall.push(t.wallUs)
  cpu.push(t.cpuUs)
}

const stats = await sink.stats()
await client.shutdown()
await sink.close()
report({
  scenario: 'flags-local-all',
  lib: args.lib,
  usPerCall: median(wall),
  cpuUsPerCall: median(cpu),
  samplesUs: wall,
  flagsPerCall: check.flagsSeen,
  undecided: check.undecided,
  flagsReturned,
  remoteFlagsRequests: stats.remoteFlagsRequests,
  digests: check.digests,
})
