import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostHog } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { expectStatsIdentity } from '../helpers/stats-identity.js'

// Property-based fuzz of every public method: whatever the arguments, nothing throws into the
// caller, no flag method rejects, and stats() adds up after every call. `HOGLET_FUZZ_CALLS`
// sets the number of calls (100,000 in `npm test`; `npm run soak` runs millions).

const TOTAL_CALLS = Number(process.env.HOGLET_FUZZ_CALLS ?? 100_000)
const CALLS_PER_RUN = 500
const RUNS = Math.ceil(TOTAL_CALLS / CALLS_PER_RUN)

const definitions = {
  flags: [
    { id: 1, key: 'rollout', active: true, filters: { groups: [{ properties: [], rollout_percentage: 50 }] } },
    {
      id: 2,
      key: 'plans',
      active: true,
      filters: {
        groups: [{ properties: [{ key: 'plan', value: ['pro', 'team'], operator: 'exact', type: 'person' }], rollout_percentage: 100 }],
        multivariate: { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 50 }] },
        payloads: { a: '{"x":1}', b: 'not json' },
      },
    },
    { id: 3, key: 'regex', active: true, filters: { groups: [{ properties: [{ key: 'email', value: '^(a+)+$', operator: 'regex', type: 'person' }], rollout_percentage: 100 }] } },
    { id: 4, key: 'version', active: true, filters: { groups: [{ properties: [{ key: 'app', value: '1.2.0', operator: 'semver_gte', type: 'person' }], rollout_percentage: 100 }] } },
    { id: 5, key: 'dated', active: true, filters: { groups: [{ properties: [{ key: 'signup', value: '-30d', operator: 'is_date_after', type: 'person' }], rollout_percentage: 100 }] } },
    { id: 6, key: 'group-flag', active: true, filters: { aggregation_group_type_index: 0, groups: [{ properties: [{ key: 'size', value: 10, operator: 'gt', type: 'group', group_type_index: 0 }], rollout_percentage: 100 }] } },
    { id: 7, key: 'cohort', active: true, filters: { groups: [{ properties: [{ key: 'id', value: 9, type: 'cohort' }], rollout_percentage: 100 }] } },
  ],
  group_type_mapping: { '0': 'company' },
  cohorts: { '9': { type: 'OR', values: [{ type: 'AND', values: [{ key: 'plan', value: 'pro', operator: 'exact', type: 'person' }] }] } },
}

// ---- Hostile values ----

function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 }
  o.self = o
  return o
}
function throwingGetter(): Record<string, unknown> {
  return Object.defineProperty({}, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter')
    },
  })
}
function throwingProxy(): Record<string, unknown> {
  const fail = (): never => {
    throw new Error('proxy trap')
  }
  // Symbol lookups pass (fast-check probes its own symbols on generated values); every other access throws.
  return new Proxy({}, { get: (_t, key) => (typeof key === 'symbol' ? undefined : fail()), has: (_t, key) => (typeof key === 'symbol' ? false : fail()), ownKeys: fail, getOwnPropertyDescriptor: fail })
}
const hostile = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom(0, -1, 1e16, -1e16, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, 10n, '', '__proto__', 'constructor', 'x'.repeat(2000)),
  fc.constant(Symbol('s')),
  fc.constant(() => {}),
  fc.constant(new Date(Number.NaN)),
  fc.constant(Object.create(null)),
  fc.constant([]),
  fc.constant('properties-as-a-string'),
  // Generated as tokens and built at call time (see materialise): fast-check must be able to
  // print a counterexample, and printing a throwing getter would throw.
  fc.constantFrom('§circular', '§getter', '§proxy'),
)

/** Replaces the hostile tokens by the objects they name, anywhere in plain arrays and objects. */
function materialise(v: unknown, depth = 0): unknown {
  if (v === '§circular') return circular()
  if (v === '§getter') return throwingGetter()
  if (v === '§proxy') return throwingProxy()
  if (depth > 4 || v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map((x) => materialise(x, depth + 1))
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return v
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {}
  // defineProperty: an own `__proto__` key stays a key instead of replacing the prototype.
  for (const key of Object.keys(v)) Object.defineProperty(out, key, { value: materialise((v as Record<string, unknown>)[key], depth + 1), enumerable: true, writable: true, configurable: true })
  return out
}
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4, withBigInt: true, withNullPrototype: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withObjectString: true }) },
  { weight: 2, arbitrary: hostile },
)
const id = fc.oneof(fc.constantFrom('user-1', 'user-2', 'anon'), fc.string({ maxLength: 8 }), fc.integer(), value)
const flagKey = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('rollout', 'plans', 'regex', 'version', 'dated', 'group-flag', 'cohort', 'missing') }, { weight: 1, arbitrary: value })
const properties = fc.oneof(
  fc.dictionary(fc.constantFrom('plan', 'email', 'app', 'signup', 'size', '$set', '$set_once', '$lib', '$groups', 'n', '__proto__'), value, { maxKeys: 4 }),
  value,
)
const message = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        distinctId: id,
        event: fc.oneof(fc.constantFrom('e', '$pageview', '$exception'), value),
        properties,
        groups: fc.oneof(fc.constant({ company: 'acme' }), value),
        timestamp: fc.oneof(fc.date(), fc.integer(), value),
        uuid: fc.oneof(fc.uuid(), value),
        disableGeoip: fc.oneof(fc.boolean(), value),
        sendFeatureFlags: fc.oneof(fc.boolean(), value),
        flags: value,
        alias: id,
        groupType: fc.oneof(fc.constant('company'), value),
        groupKey: id,
        propertiesOnce: properties,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: value },
)
const flagOptions = fc.oneof(
  fc.record(
    {
      personProperties: properties,
      groups: fc.oneof(fc.constant({ company: 'acme' }), value),
      groupProperties: fc.oneof(fc.constant({ company: { size: 20 } }), value),
      onlyEvaluateLocally: fc.oneof(fc.boolean(), value),
      sendFeatureFlagEvents: fc.oneof(fc.boolean(), value),
      flagKeys: fc.oneof(fc.array(flagKey, { maxLength: 3 }), value),
      disableGeoip: value,
    },
    { requiredKeys: [] },
  ),
  value,
)

type Call = { method: string; args: unknown[] }
const call = (method: string, ...args: fc.Arbitrary<unknown>[]): fc.Arbitrary<Call> => fc.tuple(...args).map((a) => ({ method, args: a }))

const FLAG_METHODS = new Set(['isFeatureEnabled', 'getFeatureFlag', 'getFeatureFlagPayload', 'getFeatureFlagResult', 'getAllFlags', 'getAllFlagsAndPayloads', 'evaluateFlags', 'getRemoteConfigPayload', 'reloadFeatureFlags', 'waitForLocalEvaluationReady'])

const calls = fc.oneof(
  { weight: 6, arbitrary: call('capture', message) },
  call('captureAi', message),
  call('captureImmediate', message),
  call('captureAiImmediate', message),
  { weight: 2, arbitrary: call('identify', message) },
  call('identifyImmediate', message),
  call('alias', message),
  call('aliasImmediate', message),
  call('groupIdentify', message),
  call('groupIdentifyImmediate', message),
  call('setPersonProperties', message),
  call('set', message),
  call('setOnce', message),
  call('register', properties),
  call('unregister', fc.oneof(fc.constantFrom('plan', 'n'), value)),
  call('withContext', fc.oneof(fc.record({ distinctId: id, sessionId: id, properties }, { requiredKeys: [] }), value), fc.oneof(fc.constant('nested-capture'), value), value),
  call('enterContext', fc.oneof(fc.record({ distinctId: id, properties }, { requiredKeys: [] }), value), value),
  call('getContext'),
  call('captureException', value, fc.oneof(id, value), properties),
  call('on', fc.oneof(fc.constantFrom('drop', 'capture', 'error', 'flush', 'retry', '*'), value), fc.oneof(fc.constant('throwing-listener'), value)),
  call('stats'),
  call('flush'),
  { weight: 2, arbitrary: call('isFeatureEnabled', flagKey, id, flagOptions) },
  { weight: 2, arbitrary: call('getFeatureFlag', flagKey, id, flagOptions) },
  call('getFeatureFlagPayload', flagKey, id, value, flagOptions),
  call('getFeatureFlagResult', flagKey, id, flagOptions),
  call('getAllFlags', id, flagOptions),
  call('getAllFlagsAndPayloads', id, flagOptions),
  { weight: 2, arbitrary: call('evaluateFlags', id, flagOptions) },
  call('getRemoteConfigPayload', flagKey),
  call('waitForLocalEvaluationReady', fc.oneof(fc.constantFrom(0, 1, -5, Number.NaN, 2 ** 31), value)),
  call('isLocalEvaluationReady'),
  call('overrideFeatureFlags', fc.oneof(fc.constant(false), fc.record({ flags: value, payloads: value }, { requiredKeys: [] }), fc.array(flagKey, { maxLength: 2 }), value)),
)

let server: TestServer
beforeAll(async () => {
  server = await createTestServer()
  server.route('/flags/definitions', { body: definitions })
  server.route('/api/feature_flag/local_evaluation', { body: definitions })
  server.route('/flags/', { body: { flags: { rollout: { key: 'rollout', enabled: true, variant: null } }, errorsWhileComputingFlags: false, requestId: 'fuzz' } })
  server.route('/api/projects/', { body: { x: 1 } })
})
afterAll(async () => {
  await server.close()
})

describe('public API fuzz (fast-check)', () => {
  it(`${TOTAL_CALLS.toLocaleString('en')} calls: no throw into the caller, no rejected flag method, stats() adds up`, async () => {
    let totalCalls = 0
    const problems: string[] = []
    const describeCall = (c: Call): string => {
      try {
        return `${c.method}(${fc.stringify(c.args)})`
      } catch {
        return `${c.method}(…)`
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.array(calls, { minLength: CALLS_PER_RUN, maxLength: CALLS_PER_RUN }), fc.boolean(), async (sequence, withBeforeSend) => {
        const client = new PostHog('phc_fuzz', {
          host: server.url,
          logger: silentLogger,
          personalApiKey: 'phx_fuzz',
          flushAt: 50,
          maxQueueSize: 100,
          flushInterval: 0,
          fetchRetryDelay: 1,
          featureFlagsRequestTimeoutMs: 500,
          beforeSend: withBeforeSend ? [(e) => (e.event === '$pageview' ? null : e), (e) => ({ ...e, properties: { ...e.properties, fuzzed: true } })] : undefined,
        })
        await client.waitForLocalEvaluationReady(2000)
        const t0 = performance.now()
        const pending: Array<{ call: Call; promise: Promise<unknown> }> = []
        const snapshots: unknown[] = []
        for (const c of sequence) {
          totalCalls++
          const args = c.args.map((a) =>
            a === 'nested-capture' ? () => client.capture({ distinctId: 'nested', event: 'in context' }) : a === 'throwing-listener' ? () => { throw new Error('listener') } : materialise(a),
          )
          let result: unknown
          try {
            result = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[c.method](...args)
          } catch (error) {
            problems.push(`${describeCall(c)} threw ${String((error as Error)?.stack ?? error)}`)
            continue
          }
          if (result instanceof Promise) pending.push({ call: c, promise: result })
          if (c.method === 'evaluateFlags') pending.push({ call: c, promise: (result as Promise<unknown>).then((s) => void snapshots.push(s)) })
          const stats = client.stats()
          const sum = stats.delivered + stats.droppedTotal + stats.queued + stats.inFlight
          if (stats.captured !== sum) problems.push(`after ${describeCall(c)}: captured ${stats.captured} ≠ ${sum} ${JSON.stringify(stats)}`)
        }
        const t1 = performance.now()
        const settled = await Promise.allSettled(pending.map((p) => p.promise))
        const t2 = performance.now()
        settled.forEach((s, i) => {
          if (s.status === 'rejected' && FLAG_METHODS.has(pending[i].call.method)) problems.push(`${describeCall(pending[i].call)} rejected: ${String(s.reason?.stack ?? s.reason)}`)
          else if (s.status === 'rejected') problems.push(`${describeCall(pending[i].call)} rejected: ${String(s.reason)}`)
        })
        // Snapshot methods with hostile arguments.
        for (const snapshot of snapshots as Array<Record<string, (...a: unknown[]) => unknown>>) {
          for (const [method, arg] of [['isEnabled', 'plans'], ['getFlag', 10n], ['getFlagPayload', null], ['only', -1], ['only', ['plans', 5]], ['onlyAccessed', undefined], ['toEventProperties', undefined]] as const) {
            try {
              snapshot[method](arg)
            } catch (error) {
              problems.push(`snapshot.${method}(${String(arg)}) threw ${String((error as Error)?.message ?? error)}`)
            }
          }
        }
        await client.shutdown(2000)
        if (process.env.HOGLET_FUZZ_TIMING) console.log(`run: loop ${(t1 - t0).toFixed(0)} ms, pending ${(t2 - t1).toFixed(0)} ms, shutdown ${(performance.now() - t2).toFixed(0)} ms`)
        const end = client.stats()
        expectStatsIdentity(end, 'after shutdown')
        expect(end.queued + end.inFlight).toBe(0)
        if (problems.length > 0) throw new Error(problems.slice(0, 5).join('\n'))
      }),
      { numRuns: RUNS, endOnFailure: true },
    )
    expect(totalCalls).toBeGreaterThanOrEqual(TOTAL_CALLS)
    console.log(`fuzz: ${totalCalls} calls in ${RUNS} runs, ${problems.length} problems`)
  }, Math.max(1_200_000, TOTAL_CALLS * 10))
})
