// Local evaluation set-up shared by the two flag scenarios: a sink serving the 40-flag
// fixture, a client with a secret key that loads it, and the per-user call options built
// ahead of time so that the timed loops measure evaluation only.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { startSink } from './sink.mjs'
import { createClient, SECRET_KEY } from './scenario.mjs'
import { flagCallOptions } from './workload.mjs'

export const FIXTURE_PATH = fileURLToPath(new URL('../fixtures/flags-40.json', import.meta.url))
export const USERS = 1000

export async function startFlagsClient(lib) {
  const sink = await startSink({ definitionsPath: FIXTURE_PATH })
  const client = await createClient(lib, {
    host: sink.url,
    personalApiKey: SECRET_KEY,
    featureFlagsPollingInterval: 600_000,
    flushAt: 1_000_000,
    flushInterval: 0,
    sendFeatureFlagEvent: false,
  })
  const ready = await client.waitForLocalEvaluationReady(10_000)
  if (ready === false) throw new Error(`${lib}: local evaluation not ready after 10 s`)
  const users = Array.from({ length: USERS }, (_, i) => ({ distinctId: `user-${i}`, options: flagCallOptions(i) }))
  return { sink, client, users }
}

/**
 * A digest of each flag's value and payload over the first `count` users, so the runner can
 * check that both libraries reached the same answers on this fixture (and say which differ).
 */
export async function flagDigests(client, users, count = 200) {
  const perFlag = new Map()
  let undecided = 0
  for (const { distinctId, options } of users.slice(0, count)) {
    const { featureFlags, featureFlagPayloads } = await client.getAllFlagsAndPayloads(distinctId, options)
    for (const [key, value] of Object.entries(featureFlags)) {
      if (value === undefined) undecided++
      const list = perFlag.get(key) ?? []
      list.push([value, featureFlagPayloads?.[key] ?? null])
      perFlag.set(key, list)
    }
  }
  const digests = {}
  for (const key of [...perFlag.keys()].sort()) {
    digests[key] = createHash('sha1').update(JSON.stringify(perFlag.get(key))).digest('hex').slice(0, 10)
  }
  return { digests, undecided, flagsSeen: perFlag.size }
}
