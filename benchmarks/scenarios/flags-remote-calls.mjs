// How many remote /flags requests each library makes when callers withhold some properties:
// the benchmark's 1,000 users and 40 flags, local evaluation loaded, `onlyEvaluateLocally`
// off (so anything a library cannot decide goes to /flags, which the sink counts and answers
// with no flags). One pass per way of withholding; not a timing. Beside the counts, how many
// of the answers a library gives locally (`onlyEvaluateLocally: true`) with properties
// withheld differ from its answer with every property given: a call saved by guessing.
import { readFileSync } from 'node:fs'
import { scenarioArgs, report, fail } from '../lib/scenario.mjs'
import { FIXTURE_PATH, startFlagsClient } from '../lib/flags-client.mjs'
import { personProperties } from '../lib/workload.mjs'

const args = scenarioArgs({ singleUsers: 50 })
const { sink, client, users } = await startFlagsClient(args.lib)
const flagKeys = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')).flags.map((f) => f.key)
const personKeys = Object.keys(personProperties(0))

/** The ways of withholding: each maps user i's full call options to what the caller passes. */
const WAYS = {
  nothing: (o) => o,
  'one person property (cycling through all)': (o, i) => withoutPerson(o, [personKeys[i % personKeys.length]]),
  'two person properties': (o, i) => withoutPerson(o, [personKeys[i % personKeys.length], personKeys[(i * 3 + 1) % personKeys.length]]),
  'every person property': (o) => ({ ...o, personProperties: {} }),
  'group properties': (o) => ({ ...o, groupProperties: {} }),
}

function withoutPerson(options, keys) {
  const personProperties = { ...options.personProperties }
  for (const k of keys) delete personProperties[k]
  return { ...options, personProperties }
}

async function remoteCalls(run) {
  const before = (await sink.stats()).remoteFlagsRequests
  await run()
  return (await sink.stats()).remoteFlagsRequests - before
}

const perWay = {}
let allFlagsCalls = 0
let singleFlagCalls = 0
let wrongLocalAnswers = 0
for (const [name, withhold] of Object.entries(WAYS)) {
  const all = await remoteCalls(async () => {
    for (let i = 0; i < users.length; i++) {
      await client.getAllFlags(users[i].distinctId, { ...withhold(users[i].options, i), onlyEvaluateLocally: false })
    }
  })
  const single = await remoteCalls(async () => {
    for (let i = 0; i < args.singleUsers; i++) {
      const options = { ...withhold(users[i].options, i), onlyEvaluateLocally: false }
      for (const key of flagKeys) await client.getFeatureFlag(key, users[i].distinctId, options)
    }
  })
  let wrong = 0
  for (let i = 0; i < args.singleUsers; i++) {
    const partial = { ...withhold(users[i].options, i), onlyEvaluateLocally: true }
    for (const key of flagKeys) {
      const local = await client.getFeatureFlag(key, users[i].distinctId, partial)
      if (local === undefined) continue
      if (local !== (await client.getFeatureFlag(key, users[i].distinctId, users[i].options))) wrong++
    }
  }
  wrongLocalAnswers += wrong
  perWay[name] = { getAllFlags: all, getFeatureFlag: single, wrongLocalAnswers: wrong }
  allFlagsCalls += all
  singleFlagCalls += single
}
if (perWay.nothing.getAllFlags !== 0 || perWay.nothing.getFeatureFlag !== 0) fail(`${args.lib}: /flags was asked although every property was given`)

await client.shutdown()
await sink.close()
report({
  scenario: 'flags-remote-calls',
  lib: args.lib,
  // Per 1,000 calls, so the two views read on one scale.
  allFlagsCallsPer1000: (allFlagsCalls / (users.length * Object.keys(WAYS).length)) * 1000,
  singleFlagCallsPer1000: (singleFlagCalls / (args.singleUsers * flagKeys.length * Object.keys(WAYS).length)) * 1000,
  allFlagsCalls,
  singleFlagCalls,
  wrongLocalAnswers,
  perWay,
})
