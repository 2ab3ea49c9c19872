// One process of the fleet scenario: a client with local evaluation (and, for hoglet, the
// Redis definitions cache when a Redis port is given) that evaluates its flags every 100 ms.
//   node fleet-member.mjs <lib> <host> <pollMs> <redisPort|none> <keyPrefix>
// Messages to the parent: {type:'ready'}, then {type:'evaluations', ok, failed} on 'report'.
import { createClient, SECRET_KEY } from './scenario.mjs'
import { importPackage } from './snapshot.mjs'

const [lib, host, pollMs, redisPort, keyPrefix] = process.argv.slice(2)
let cache
let redis
if (redisPort !== 'none') {
  const { default: Redis } = await import('ioredis')
  const { RedisFlagDefinitionCache } = await importPackage('hoglet/redis')
  redis = new Redis({ host: '127.0.0.1', port: Number(redisPort) })
  cache = new RedisFlagDefinitionCache({ redis, keyPrefix, logger: { warn() {}, info() {} } })
}
const client = await createClient(lib, {
  host,
  personalApiKey: SECRET_KEY,
  featureFlagsPollingInterval: Number(pollMs),
  flagDefinitionCacheProvider: cache,
  flushAt: 1_000_000,
  flushInterval: 0,
  sendFeatureFlagEvent: false,
})
if ((await client.waitForLocalEvaluationReady(10_000)) === false) throw new Error(`${lib}: not ready`)
let ok = 0
let failed = 0
const timer = setInterval(async () => {
  const values = await client.getAllFlags('user-1', { onlyEvaluateLocally: true })
  if (Object.keys(values ?? {}).length === 0) failed++
  else ok++
}, 100)
process.send({ type: 'ready' })
process.on('message', async (msg) => {
  if (msg.type === 'report') process.send({ type: 'evaluations', ok, failed })
  if (msg.type === 'stop') {
    clearInterval(timer)
    await client.shutdown()
    redis?.disconnect()
    process.exit(0)
  }
})
