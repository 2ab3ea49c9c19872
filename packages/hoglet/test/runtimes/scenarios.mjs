// The runtime conformance scenarios, written once and run unchanged in every runtime (Node,
// Bun, Deno, workerd, Vercel's edge runtime) against a real hoglet-server. Each scenario drives
// the SDK as an application would, then reads what the server stored through its control API
// and checks it. Plain JavaScript importing only the control helper: the runtime's harness
// passes in the hoglet exports it loaded (the package's own entry for that runtime).

import { controlClient } from './control.mjs'

export const PROJECT_KEY = 'phc_conformance'
export const PERSONAL_KEY = 'phx_conformance'

/** The flag definitions every runtime's server starts with. */
export const FLAGS = {
  group_type_mapping: { 0: 'company' },
  flags: [
    { key: 'everyone-on' },
    {
      key: 'pro-only',
      filters: {
        groups: [{ properties: [{ key: 'plan', type: 'person', operator: 'exact', value: ['pro'] }], rollout_percentage: 100 }],
        payloads: { true: { tier: 'gold' } },
      },
    },
    {
      key: 'checkout',
      filters: {
        groups: [{ properties: [], rollout_percentage: 100 }],
        multivariate: { variants: [{ key: 'control', rollout_percentage: 50 }, { key: 'test', rollout_percentage: 50 }] },
      },
    },
  ],
}

class CheckFailed extends Error {}

function check(condition, message, observed) {
  if (!condition) throw new CheckFailed(observed === undefined ? message : `${message} (observed: ${JSON.stringify(observed)})`)
}

let counter = 0
function uid(env, name) {
  return `${env.runtime}-${name}-${Date.now().toString(36)}-${++counter}`
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Refusals and drops the scenarios provoke on purpose would only add noise; checks report failures.
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

function client(env, options = {}) {
  return new env.hoglet.PostHog(PROJECT_KEY, { host: env.serverUrl, flushInterval: 0, fetchRetryDelay: 20, logger: quiet, ...options })
}

function throwsWithCause() {
  throw new Error('conformance boom', { cause: new TypeError('inner cause') })
}

/**
 * name → async (env, control) => observed facts. A scenario throws when a check fails.
 * `env`: { runtime, serverUrl, controlToken, hoglet: { PostHog, withHoglet }, expect: { asyncContext },
 * platformWaitUntil? }.
 */
export const SCENARIOS = {
  async 'capture and batching (gzip)'(env, control) {
    const id = uid(env, 'batch')
    const c = client(env, { flushAt: 10, maxBatchSize: 10 })
    for (let i = 0; i < 25; i++) c.capture({ distinctId: id, event: 'conformance batch', properties: { i, nested: { runtime: env.runtime } } })
    await c.flush()
    const events = await control.events({ distinctId: id })
    check(events.length === 25, 'all 25 events stored', events.length)
    check(events.map((e) => e.properties.i).sort((a, b) => a - b).join() === [...Array(25).keys()].join(), 'every index once')
    check(events[0].properties.$lib === 'hoglet', '$lib is hoglet', events[0].properties.$lib)
    check(events[0].properties.nested?.runtime === env.runtime, 'nested properties kept')
    const batches = (await control.requests('/batch')).filter((r) => r.body?.includes(id))
    check(batches.length >= 3, 'sent in batches of at most 10', batches.length)
    const encodings = batches.map((r) => r.headers['content-encoding'] ?? 'identity')
    const expected = env.expect.gzip ? 'gzip' : 'identity'
    check(encodings.every((e) => e === expected), `every batch sent as ${expected}`, encodings)
    await c.shutdown()
    return { events: events.length, batches: batches.length, encoding: expected }
  },

  async 'a queued backlog (compacted in memory where the runtime compresses)'(env, control) {
    // 1,000 events wait for one flush: past the next batch, Node, Bun and Deno compress them in
    // blocks (brotli, or deflate where the runtime's node:zlib has no brotli); every byte must come back.
    const id = uid(env, 'backlog')
    const c = client(env, { flushAt: 5000 })
    const text = `é 日本 🚀 ${'x'.repeat(200)}`
    for (let i = 0; i < 1000; i++) c.capture({ distinctId: id, event: 'conformance backlog', properties: { i, text } })
    check(c.stats().queued === 1000, 'all 1,000 queued before the flush', c.stats().queued)
    await c.flush()
    const events = await control.events({ distinctId: id })
    check(events.length === 1000, 'all 1,000 events stored', events.length)
    check(events.map((e) => e.properties.i).sort((a, b) => a - b).join() === [...Array(1000).keys()].join(), 'every index once')
    check(events.every((e) => e.properties.text === text), 'every text intact')
    await c.shutdown()
    return { events: events.length }
  },

  async 'identify, alias, groupIdentify'(env, control) {
    const id = uid(env, 'person')
    const company = uid(env, 'company')
    const c = client(env)
    c.identify({ distinctId: id, properties: { email: `${id}@example.com`, plan: 'pro' } })
    c.alias({ distinctId: id, alias: `${id}-alias` })
    c.groupIdentify({ groupType: 'company', groupKey: company, properties: { name: 'Acme' } })
    await c.flush()
    const person = await control.person(id)
    check(person.properties.email === `${id}@example.com`, 'identify set the email', person.properties)
    check(person.distinctIds.includes(`${id}-alias`), 'alias merged into the person', person.distinctIds)
    const group = (await control.groups()).find((g) => g.groupKey === company)
    check(group?.groupType === 'company' && group.properties.name === 'Acme', 'groupIdentify stored the group', group)
    await c.shutdown()
    return { distinctIds: person.distinctIds.length, group: group.groupType }
  },

  async 'flush and shutdown results'(env, control) {
    const id = uid(env, 'shutdown')
    const c = client(env, { flushAt: 100 })
    for (let i = 0; i < 7; i++) c.capture({ distinctId: id, event: 'before shutdown' })
    const result = await c.shutdown(5000)
    check(result.delivered === 7 && result.undelivered === 0 && result.timedOut === false, 'shutdown delivered all 7', result)
    check((await control.events({ distinctId: id })).length === 7, 'server has exactly 7')

    // A server that stalls past the shutdown timeout: the result says so and counts the loss.
    await control.addFaults({ path: '/batch', status: 503, delayMs: 3000 })
    const stalled = client(env, { flushAt: 100, fetchRetryCount: 0 })
    for (let i = 0; i < 3; i++) stalled.capture({ distinctId: `${id}-stalled`, event: 'stalled' })
    const cut = await stalled.shutdown(300)
    await control.clearFaults()
    check(cut.timedOut === true && cut.undelivered === 3 && cut.delivered === 0, 'a stalled shutdown reports 3 undelivered', cut)
    return { delivered: result.delivered, stalled: cut }
  },

  async 'retry on 503 and Retry-After'(env, control) {
    const id = uid(env, 'retry')
    const since = await control.lastRequestId()
    await control.addFaults({ path: '/batch', status: 503, times: 2 })
    const c = client(env, { flushAt: 100 })
    c.capture({ distinctId: id, event: 'retried' })
    c.capture({ distinctId: id, event: 'retried' })
    await c.flush()
    const events = await control.events({ distinctId: id })
    check(events.length === 2, 'delivered once each after two 503s', events.length)
    // A fault answers before the body is read, so the attempts are found by request id.
    const attempts = (await control.requests('/batch')).filter((r) => r.id > since)
    check(attempts.map((r) => r.status).join() === '503,503,200', 'three attempts: 503, 503, 200', attempts.map((r) => r.status))

    const late = uid(env, 'retry-after')
    await control.addFaults({ path: '/batch', status: 503, retryAfter: 1 })
    c.capture({ distinctId: late, event: 'retried later' })
    const started = Date.now()
    await c.flush()
    const waited = Date.now() - started
    check(waited >= 900, 'Retry-After: 1 waited about a second', waited)
    check((await control.events({ distinctId: late })).length === 1, 'delivered after Retry-After')
    await c.shutdown()
    return { statuses: attempts.map((r) => r.status), retryAfterWaitMs: waited }
  },

  async 'remote flags (/flags)'(env, control) {
    const id = uid(env, 'remote')
    const c = client(env)
    const before = (await control.requests('/flags')).length
    const pro = await c.getFeatureFlag('pro-only', id, { personProperties: { plan: 'pro' } })
    const free = await c.getFeatureFlag('pro-only', id, { personProperties: { plan: 'free' } })
    const all = await c.getAllFlags(id, { personProperties: { plan: 'pro' } })
    const server = await control.evaluate(id, { plan: 'pro' })
    const serverCheckout = server.flags.find((f) => f.key === 'checkout')
    const payload = await c.getFeatureFlagPayload('pro-only', id, true, { personProperties: { plan: 'pro' } })
    check(pro === true && free === false, 'person property targeting', { pro, free })
    check(all['everyone-on'] === true && all['pro-only'] === true, 'getAllFlags', all)
    check(all.checkout === serverCheckout.variant, 'variant matches the server', { sdk: all.checkout, server: serverCheckout.variant })
    check(payload?.tier === 'gold', 'payload decoded', payload)
    const calls = (await control.requests('/flags')).length - before
    check(calls >= 3, 'answered by /flags requests', calls)
    await c.shutdown()
    return { checkout: all.checkout, flagsRequests: calls }
  },

  async 'local evaluation with ETag reloads'(env, control) {
    const id = uid(env, 'local')
    const c = client(env, { personalApiKey: PERSONAL_KEY, featureFlagsPollingInterval: 60_000 })
    const ready = await c.waitForLocalEvaluationReady(5000)
    check(ready === true && c.isLocalEvaluationReady(), 'local evaluation became ready')
    const flagsBefore = (await control.requests('/flags')).filter((r) => !r.path.includes('definitions')).length
    const local = await c.getFeatureFlag('pro-only', id, { personProperties: { plan: 'pro' }, onlyEvaluateLocally: true })
    const checkout = await c.getFeatureFlag('checkout', id, { onlyEvaluateLocally: true })
    const server = (await control.evaluate(id, {})).flags.find((f) => f.key === 'checkout')
    check(local === true, 'pro-only true locally', local)
    check(checkout === server.variant, 'local variant equals the server', { local: checkout, server: server.variant })
    const flagsAfter = (await control.requests('/flags')).filter((r) => !r.path.includes('definitions')).length
    check(flagsAfter === flagsBefore, 'no /flags request for a local answer', flagsAfter - flagsBefore)

    const isDefinitions = (r) => r.path.includes('local_evaluation') || r.path.includes('definitions')
    await c.reloadFeatureFlags()
    const unchanged = (await control.requests()).filter(isDefinitions).at(-1)
    check(unchanged.status === 304 && typeof unchanged.headers['if-none-match'] === 'string', 'unchanged definitions: If-None-Match answered 304', {
      status: unchanged.status,
      inm: unchanged.headers['if-none-match'],
    })

    await control.setFlags({ ...FLAGS, flags: [...FLAGS.flags, { key: 'added-later' }] })
    try {
      await c.reloadFeatureFlags()
      const changed = (await control.requests()).filter(isDefinitions).at(-1)
      check(changed.status === 200, 'changed definitions: 200 with the new ETag', changed.status)
      const added = await c.getFeatureFlag('added-later', id, { onlyEvaluateLocally: true })
      check(added === true, 'the reloaded flag answers locally', added)
    } finally {
      await control.setFlags(FLAGS)
    }
    await c.shutdown()
    return { ready, checkout, reload: '304 then 200' }
  },

  async 'flags snapshot on capture'(env, control) {
    const id = uid(env, 'snapshot')
    const c = client(env, { personalApiKey: PERSONAL_KEY })
    await c.waitForLocalEvaluationReady(5000)
    const snapshot = await c.evaluateFlags(id, { personProperties: { plan: 'pro' } })
    c.capture({ distinctId: id, event: 'with flags', flags: snapshot })
    await c.flush()
    const [event] = await control.events({ distinctId: id, event: 'with flags' })
    check(event !== undefined, 'event stored')
    check(event.properties['$feature/pro-only'] === true, '$feature/pro-only on the event', event.properties)
    check(event.properties['$active_feature_flags']?.includes('everyone-on'), '$active_feature_flags listed', event.properties['$active_feature_flags'])
    await c.shutdown()
    return { active: event.properties['$active_feature_flags'] }
  },

  async 'exception capture'(env, control) {
    const id = uid(env, 'exception')
    // Accepted on every runtime; where there are no process hooks (edge entry) it installs nothing.
    const c = client(env, { enableExceptionAutocapture: true })
    try {
      throwsWithCause()
    } catch (error) {
      c.captureException(error, id, { where: 'scenario' })
    }
    await c.flush()
    const [event] = await control.events({ distinctId: id, event: '$exception' })
    check(event !== undefined, '$exception stored')
    const list = event.properties.$exception_list
    check(Array.isArray(list) && list.length === 2, 'the error and its cause', list?.length)
    check(list[0].type === 'Error' && list[0].value === 'conformance boom', 'outer error', list[0])
    check(list[1].type === 'TypeError' && list[1].value === 'inner cause', 'cause', list[1])
    const frames = list[0].stacktrace?.frames ?? []
    check(frames.some((f) => String(f.function).includes('throwsWithCause')), 'stack parsed into frames naming the thrower', frames.slice(-3))
    check(event.properties.where === 'scenario', 'caller properties kept')
    await c.shutdown()
    return { frames: frames.length }
  },

  async 'handler exception (withHoglet)'(env, control) {
    const id = uid(env, 'handler')
    const c = client(env)
    const handler = env.hoglet.withHoglet(c, async () => {
      throw new Error('handler failed')
    })
    let rethrown
    try {
      await handler(new Request('https://app.example/checkout', { headers: { 'x-posthog-distinct-id': id } }))
    } catch (error) {
      rethrown = error
    }
    check(rethrown?.message === 'handler failed', 'the error reaches the platform unchanged', rethrown?.message)
    await c.flush()
    const [event] = await control.events({ distinctId: id, event: '$exception' })
    check(event !== undefined, '$exception from the handler stored')
    check(event.properties.$exception_list[0].mechanism?.handled === false, 'marked unhandled', event.properties.$exception_list[0].mechanism)
    check(event.properties.$request_path === '/checkout', 'request properties from the context', event.properties.$request_path)
    await c.shutdown()
    return { mechanism: event.properties.$exception_list[0].mechanism?.type }
  },

  async 'context (AsyncLocalStorage)'(env, control) {
    const id = uid(env, 'context')
    const c = client(env)
    const returned = await c.withContext({ distinctId: id, properties: { tenant: 't1' } }, async () => {
      c.capture({ event: 'sync in context' })
      await sleep(5)
      c.capture({ event: 'in context' })
      c.capture({ distinctId: id, event: 'explicit id in context' })
      return 'value'
    })
    check(returned === 'value', 'withContext returns the function result')
    await c.flush()
    const implicit = await control.events({ distinctId: id, event: 'in context' })
    const [explicit] = await control.events({ distinctId: id, event: 'explicit id in context' })
    check(explicit !== undefined, 'an explicit distinct id is captured either way')
    const [sync] = await control.events({ distinctId: id, event: 'sync in context' })
    check(sync?.properties.tenant === 't1', 'the synchronous part of withContext sees the scope on every runtime', sync?.properties)
    if (env.expect.asyncContext) {
      check(implicit.length === 1 && implicit[0].properties.tenant === 't1', 'context id and properties survive an await', implicit[0]?.properties)
      check(explicit.properties.tenant === 't1', 'context properties on explicit-id events')
    } else {
      // Documented: without AsyncLocalStorage a scope ends at the function's first await.
      check(implicit.length === 0, 'no context without AsyncLocalStorage', implicit.length)
      check(explicit.properties.tenant === undefined, 'no context properties without AsyncLocalStorage')
    }
    await c.shutdown()
    return { asyncContext: env.expect.asyncContext }
  },

  async 'waitUntil option (debounce)'(env, control) {
    const id = uid(env, 'waituntil')
    const handed = []
    // A debounce long enough that the check below runs before it ends, even on a loaded machine.
    const c = client(env, { flushAt: 1000, waitUntil: (promise) => handed.push(promise), waitUntilDebounceMs: 1000 })
    for (let i = 0; i < 5; i++) c.capture({ distinctId: id, event: 'handed to waitUntil' })
    check(handed.length === 1, 'one promise per debounce cycle', handed.length)
    const early = (await control.events({ distinctId: id })).length
    check(early === 0, 'nothing sent before the debounce ends', early)
    await Promise.all(handed)
    const stored = (await control.events({ distinctId: id })).length
    check(stored === 5, 'the waitUntil promise settles after delivery, without flush()', stored)
    const promises = handed.length
    await c.shutdown()
    return { promises, delivered: stored }
  },

  async '500 events with local flags'(env, control) {
    const run = uid(env, 'volume')
    const c = client(env, { personalApiKey: PERSONAL_KEY, flushAt: 100 })
    const ready = await c.waitForLocalEvaluationReady(5000)
    check(ready, 'local evaluation ready')
    let evaluated = 0
    for (let i = 0; i < 500; i++) {
      const distinctId = `${run}-${i % 50}`
      if (i % 10 === 0) {
        const variant = await c.getFeatureFlag('checkout', distinctId, { onlyEvaluateLocally: true })
        if (variant === 'control' || variant === 'test') evaluated++
      }
      c.capture({ distinctId, event: 'volume', properties: { run, i } })
    }
    const result = await c.shutdown(15_000)
    check(evaluated === 50, 'every local evaluation answered', evaluated)
    check(result.delivered >= 500 && result.undelivered === 0, 'shutdown delivered everything', result)
    const stored = (await control.events({ event: 'volume' })).filter((e) => e.properties.run === run)
    check(stored.length === 500 && new Set(stored.map((e) => e.uuid)).size === 500, '500 distinct events stored', stored.length)
    return { delivered: stored.length, localEvaluations: evaluated }
  },

  // Only where the platform itself has a waitUntil (workerd's ctx, the edge runtime's FetchEvent):
  // the scenario returns at once and the host checks delivery after the response.
  async 'platform waitUntil'(env) {
    const id = uid(env, 'platform')
    const c = client(env, { flushAt: 1000, waitUntil: env.platformWaitUntil })
    for (let i = 0; i < 20; i++) c.capture({ distinctId: id, event: 'after the response' })

    // The route-handler wrapper finds the platform's waitUntil among the handler's arguments
    // (a Worker's ctx, middleware's event) and hands it the flush: the response does not wait.
    const routed = uid(env, 'platform-route')
    const plain = client(env, { flushAt: 1000 })
    const handler = env.hoglet.withHoglet(plain, async () => new Response('ok'), { flushOnResponse: true, captureRequests: true })
    let handedOver = 0
    const platformEvent = {
      waitUntil(promise) {
        handedOver++
        env.platformWaitUntil(promise)
      },
    }
    const response = await handler(new Request('https://app.example/route', { headers: { 'x-posthog-distinct-id': routed } }), platformEvent)
    check(response.status === 200, 'the wrapped handler answered')
    check(handedOver === 1, "the flush went to the platform's waitUntil", handedOver)
    return {
      afterResponse: [
        { distinctId: id, count: 20 },
        { distinctId: routed, count: 1 },
      ],
    }
  },
}

/** Runs one scenario and reports `{ name, ok, observed? , error? }`; never throws. */
export async function runScenario(name, env) {
  const scenario = SCENARIOS[name]
  if (!scenario) return { name, ok: false, error: `unknown scenario ${name}` }
  const control = controlClient(env.serverUrl, env.controlToken)
  try {
    const observed = await scenario(env, control)
    return { name, ok: true, observed }
  } catch (error) {
    return { name, ok: false, error: error instanceof CheckFailed ? error.message : String(error?.stack ?? error) }
  }
}

/** After a 'platform waitUntil' response: the events must arrive without anyone awaiting them. */
export async function verifyAfterResponse(control, expectations) {
  for (const { distinctId, count } of expectations) {
    const events = await control.waitForEvents(distinctId, count, { timeoutMs: 10_000 })
    if (events.length !== count) return `${distinctId}: ${events.length} of ${count} events delivered after the response`
  }
  return undefined
}
