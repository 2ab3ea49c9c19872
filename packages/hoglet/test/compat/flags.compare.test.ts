/**
 * Feature flags, side by side: every scenario runs the same calls against posthog-node 5.70
 * and hoglet (each with its own recording loopback server answering the same routes) and
 * compares return values, `/flags` request bodies and the `$feature_flag_called` events on the
 * wire. Where hoglet deliberately differs, the scenario asserts the difference and that it is
 * listed in docs/migrating-from-posthog-node.md.
 */
import { describe, expect, it } from 'vitest'
import { listedDifference, runBoth, without, type Side } from './flags-harness.js'

const rollout = (pct = 100, properties: unknown[] = []) => ({ groups: [{ properties, rollout_percentage: pct }] })
const person = (key: string, operator: string, value: unknown) => ({ key, type: 'person', operator, value })

const FLAGS = [
  { id: 1, key: 'on', active: true, filters: { ...rollout(), payloads: { true: '{"banner":"hi"}' } }, has_experiment: true },
  { id: 2, key: 'multi', active: true, filters: { ...rollout(), multivariate: { variants: [{ key: 'a', rollout_percentage: 50 }, { key: 'b', rollout_percentage: 50 }] }, payloads: { a: '{"x":1}', b: '"bee"' } } },
  { id: 3, key: 'needs-email', active: true, filters: rollout(100, [person('email', 'exact', 'a@b.c')]) },
  { id: 4, key: 'off', active: false, filters: rollout() },
  { id: 5, key: 'by-device', active: true, bucketing_identifier: 'device_id', filters: rollout(50) },
  { id: 6, key: 'early-signup', active: true, filters: rollout(100, [person('signup', 'is_date_before', '2024-01-01')]) },
  { id: 7, key: 'plan-set', active: true, filters: rollout(100, [person('plan', 'is_set', 'is_set')]) },
  { id: 8, key: 'plan-pro', active: true, filters: rollout(100, [person('plan', 'exact', ['pro'])]) },
  { id: 9, key: 'no-experiment', active: true, filters: rollout(), has_experiment: false },
]
const DEFINITIONS = { flags: FLAGS, group_type_mapping: {}, cohorts: {} }

const remote = (key: string, enabled: boolean, variant: string | null = null, payload?: string) => ({
  key,
  enabled,
  variant,
  reason: { code: enabled ? 'condition_match' : 'no_condition_match', condition_index: enabled ? 0 : null, description: enabled ? 'Matched condition set 1' : 'No matching condition set' },
  metadata: { id: 30, version: 4, payload },
})
const REMOTE = {
  'needs-email': remote('needs-email', true),
  'remote-only': remote('remote-only', true, 'blue', '{"from":"server"}'),
  'early-signup': remote('early-signup', true),
  'plan-pro': remote('plan-pro', false),
  'plan-set': remote('plan-set', true),
}

/** Same outcome on both sides. */
/** Waits for the first definitions load; on a loaded machine that can take seconds, and an unready client answers differently. */
async function localEvaluationReady(client: Side['client']): Promise<void> {
  if (!(await client.waitForLocalEvaluationReady(10_000))) throw new Error('local evaluation was not ready within 10 s')
}

async function same(setup: Parameters<typeof runBoth>[0], scenario: (side: Side) => Promise<unknown>) {
  const r = await runBoth(setup, scenario)
  expect(r.hoglet).toEqual(r['posthog-node'])
  return r
}

describe('flags: posthog-node and hoglet side by side', () => {
  it('local evaluation: values, results, payloads, no /flags request, identical exposure events', async () => {
    const r = await same({ definitions: DEFINITIONS }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        on: await client.getFeatureFlag('on', 'u1'),
        enabled: await client.isFeatureEnabled('multi', 'u1'),
        multi: await client.getFeatureFlag('multi', 'u1'),
        off: await client.getFeatureFlag('off', 'u1'),
        payload: await client.getFeatureFlagPayload('on', 'u1'),
        payloadFor: await client.getFeatureFlagPayload('multi', 'u1', 'b'),
        result: await client.getFeatureFlagResult('multi', 'u2'),
        noExperiment: await client.getFeatureFlag('no-experiment', 'u1'),
      }
    })
    expect(r.hoglet.flagsRequests).toEqual([])
    expect(r.hoglet.events.map((e) => e.properties.$feature_flag)).toEqual(['on', 'multi', 'off', 'multi', 'no-experiment'])
  })

  it('getFeatureFlagResult: reason and reasonCode as posthog-node fills them, remote, local and disabled', async () => {
    const r = await same({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        remote: await client.getFeatureFlagResult('needs-email', 'u1'),
        local: await client.getFeatureFlagResult('on', 'u1'),
        disabled: await client.getFeatureFlagResult('off', 'u1'),
      }
    })
    expect(r.hoglet.value).toMatchObject({
      remote: { reason: 'Matched condition set 1', reasonCode: 'condition_match' },
      local: { reason: 'Evaluated locally' },
      disabled: { enabled: false, reasonCode: 'flag_disabled' },
    })
  })

  it('context overloads: getFeatureFlagResult(key, opts), getAllFlags(opts), getAllFlagsAndPayloads(opts), evaluateFlags(opts) use the context distinct id', async () => {
    await same({ definitions: DEFINITIONS }, async ({ client }) => {
      await localEvaluationReady(client)
      return client.withContext({ distinctId: 'ctx-user' }, async () => {
        const snapshot = await client.evaluateFlags({ flagKeys: ['on', 'multi'] })
        return {
          result: await client.getFeatureFlagResult('multi', { personProperties: { plan: 'pro' } }),
          all: await client.getAllFlags({ personProperties: { plan: 'pro', email: 'a@b.c', signup: '2020-01-01' } }),
          allAndPayloads: await client.getAllFlagsAndPayloads({ flagKeys: ['on', 'multi'] }),
          snapshot: { keys: snapshot.keys, on: snapshot.isEnabled('on'), multi: snapshot.getFlag('multi'), payload: snapshot.getFlagPayload('multi') },
        }
      })
    })
  })

  it('no distinct id and no context: empty answers and no request', async () => {
    await same({ remoteFlags: REMOTE }, async ({ client }) => {
      const snapshot = await client.evaluateFlags()
      return { all: await client.getAllFlags(), both: await client.getAllFlagsAndPayloads({}), result: await client.getFeatureFlagResult('x'), keys: snapshot.keys }
    })
  })

  it('remote fallback for an inconclusive flag: same /flags body (evaluation_runtime, geoip_disable, flag_keys_to_evaluate, $device_id) and exposure', async () => {
    const r = await same({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        value: await client.getFeatureFlag('needs-email', 'u1', { personProperties: { name: 'x', $device_id: 'dev-1' }, groups: { company: 'acme' }, groupProperties: { company: { size: 5 } } }),
        missing: await client.getFeatureFlag('remote-only', 'u1', { disableGeoip: false }),
      }
    })
    const body = r.hoglet.flagsRequests[0] as any
    expect(body.evaluation_runtime).toBe('server')
    expect(body.$device_id).toBe('dev-1')
    expect(body.flag_keys_to_evaluate).toEqual(['needs-email'])
    expect(body.group_properties).toEqual({ company: { $group_key: 'acme', size: 5 } })
  })

  it('remote only (no secret key): single flags, all flags and the snapshot ask /flags the same way', async () => {
    await same({ remoteFlags: REMOTE }, async ({ client }) => {
      const snapshot = await client.evaluateFlags('u1', { personProperties: { email: 'a@b.c' } })
      return {
        flag: await client.getFeatureFlag('remote-only', 'u1'),
        payload: await client.getFeatureFlagPayload('remote-only', 'u1'),
        all: await client.getAllFlags('u1'),
        allAndPayloads: await client.getAllFlagsAndPayloads('u1', { flagKeys: ['remote-only'] }),
        snapshot: { keys: snapshot.keys, read: snapshot.getFlag('remote-only'), absent: snapshot.isEnabled('nope') },
      }
    })
  })

  it('empty local definitions: all-flags calls fall back to /flags', async () => {
    const r = await same({ definitions: { flags: [], group_type_mapping: {}, cohorts: {} }, remoteFlags: REMOTE }, async ({ client }) => {
      await client.reloadFeatureFlags()
      const snapshot = await client.evaluateFlags('u1')
      return { all: await client.getAllFlags('u1'), allAndPayloads: await client.getAllFlagsAndPayloads('u1'), snapshot: snapshot.keys }
    })
    expect(r.hoglet.flagsRequests).toHaveLength(3)
  })

  it('JS Date person-property values compare as instants, locally and in /flags', async () => {
    await same({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        before: await client.getFeatureFlag('early-signup', 'u1', { personProperties: { signup: new Date('2020-05-01T00:00:00Z') } }),
        after: await client.getFeatureFlag('early-signup', 'u2', { personProperties: { signup: new Date('2025-05-01T00:00:00Z') } }),
        remote: await client.getFeatureFlag('needs-email', 'u3', { personProperties: { signup: new Date('2020-05-01T00:00:00Z') } }),
      }
    })
  })

  it('undefined person-property values: not given (sent as absent); is_set then asks the server (listed difference)', async () => {
    const r = await runBoth({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        exact: await client.getFeatureFlag('plan-pro', 'u4', { personProperties: { plan: undefined }, sendFeatureFlagEvents: false }),
        isSet: await client.getFeatureFlag('plan-set', 'u3', { personProperties: { plan: undefined }, sendFeatureFlagEvents: false }),
      }
    })
    const [pn, h] = [r['posthog-node'], r.hoglet]
    // exact: both undecided locally, both ask /flags with the property left out.
    expect(h.flagsRequests[0]).toEqual(pn.flagsRequests[0])
    expect((h.value as any).exact).toBe((pn.value as any).exact)
    // is_set: posthog-node counts an undefined value as set; hoglet asks the server, which never sees it.
    expect(pn.flagsRequests).toHaveLength(1)
    expect(h.flagsRequests).toHaveLength(2)
    expect((h.flagsRequests[1] as any).person_properties).toEqual({})
    expect(listedDifference('undefined-person-properties')).toBe(true)
  })

  it('$device_id in personProperties buckets device flags locally', async () => {
    const devices = Array.from({ length: 12 }, (_, i) => `device-${i}`)
    const r = await same({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      const values: unknown[] = []
      for (const d of devices) values.push(await client.getFeatureFlag('by-device', 'same-user', { personProperties: { $device_id: d }, sendFeatureFlagEvents: false }))
      return values
    })
    expect(new Set(r.hoglet.value as unknown[]).size).toBe(2)
    expect(r.hoglet.flagsRequests).toEqual([])
  })

  it('overrides: payload-only overrides, clearing flags keeps payloads, false clears both, lists and records', async () => {
    await same({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      const steps: Record<string, unknown> = {}
      client.overrideFeatureFlags({ payloads: { on: { overridden: true } } })
      steps.payloadOnly = {
        flag: await client.getFeatureFlag('on', 'u1'),
        payload: await client.getFeatureFlagPayload('on', 'u1'),
        result: await client.getFeatureFlagResult('on', 'u1'),
        all: await client.getAllFlagsAndPayloads('u1', { flagKeys: ['on'] }),
      }
      client.overrideFeatureFlags({ flags: { on: false, extra: 'v2' } })
      steps.flagsAndKeptPayloads = { on: await client.getFeatureFlagResult('on', 'u1'), extra: await client.getFeatureFlagResult('extra', 'u1'), payload: await client.getFeatureFlagPayload('on', 'u1') }
      client.overrideFeatureFlags({ flags: false })
      steps.flagsCleared = { on: await client.getFeatureFlag('on', 'u1'), payload: await client.getFeatureFlagPayload('on', 'u1') }
      client.overrideFeatureFlags(['listed'])
      steps.list = { listed: await client.getFeatureFlag('listed', 'u1'), all: await client.getAllFlags('u1', { flagKeys: ['on'] }) }
      const snap = await client.evaluateFlags('u1', { flagKeys: ['on', 'listed'] })
      steps.snapshot = { keys: snap.keys, listed: snap.getFlag('listed'), on: snap.getFlagPayload('on') }
      client.overrideFeatureFlags(false)
      steps.cleared = { on: await client.getFeatureFlag('on', 'u1'), payload: await client.getFeatureFlagPayload('on', 'u1'), listed: await client.getFeatureFlag('listed', 'u1', { onlyEvaluateLocally: true }) }
      return steps
    })
  })

  it('minimalFlagCalledEvents: slim exposure only for flags no experiment uses', async () => {
    const r = await same({ definitions: { ...DEFINITIONS, minimal_flag_called_events: true } }, async ({ client }) => {
      await localEvaluationReady(client)
      await client.withContext({ distinctId: 'u1', sessionId: 'sess-1', properties: { plan: 'pro', $current_url: 'https://example.com/a' } }, async () => {
        await client.getFeatureFlagResult('no-experiment')
        await client.getFeatureFlagResult('on')
      })
      return null
    })
    const [slim, full] = r.hoglet.events
    expect(slim!.properties.plan).toBeUndefined()
    expect(slim!.properties.$current_url).toBe('https://example.com/a')
    expect(slim!.properties.$session_id).toBe('sess-1')
    expect(full!.properties.plan).toBe('pro')
  })

  it('minimalFlagCalledEvents from a /flags answer', async () => {
    const noExperiment = { ...remote('remote-only', true), metadata: { id: 31, version: 1, has_experiment: false } }
    const r = await same({ remoteFlags: { 'remote-only': noExperiment }, remoteExtra: { minimalFlagCalledEvents: true } }, async ({ client }) => {
      await client.withContext({ distinctId: 'u1', properties: { plan: 'pro' } }, () => client.getFeatureFlag('remote-only', 'u1'))
      return null
    })
    expect(r.hoglet.events[0]!.properties.plan).toBeUndefined()
  })

  it('strictLocalEvaluation and onlyEvaluateLocally: inconclusive flags answer undefined without a request', async () => {
    const r = await same({ definitions: DEFINITIONS, remoteFlags: REMOTE, options: { strictLocalEvaluation: true } }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        strict: await client.getFeatureFlag('needs-email', 'u1'),
        all: await client.getAllFlags('u1'),
        perCall: await client.getFeatureFlag('needs-email', 'u1', { onlyEvaluateLocally: false }),
      }
    })
    expect(r.hoglet.flagsRequests).toHaveLength(1)
  })

  it('evaluationEnvironments (older name) and evaluationContexts are sent as evaluation_contexts', async () => {
    for (const name of ['evaluationContexts', 'evaluationEnvironments']) {
      const r = await same({ remoteFlags: REMOTE, options: { [name]: ['web', 'checkout'] } }, ({ client }) => client.getFeatureFlag('remote-only', 'u1'))
      expect((r.hoglet.flagsRequests[0] as any).evaluation_contexts).toEqual(['web', 'checkout'])
    }
  })

  it("evaluation contexts filter local definitions like posthog-node; runtime helpers agree", async () => {
    const tagged = {
      flags: [
        { id: 1, key: 'web-flag', active: true, filters: rollout(), evaluation_tags: ['web'] },
        { id: 2, key: 'app-flag', active: true, filters: rollout(), evaluation_contexts: ['app'] },
        { id: 3, key: 'untagged', active: true, filters: rollout(), evaluation_runtime: 'server' },
        { id: 4, key: 'anywhere', active: true, filters: rollout(), evaluation_runtime: 'all' },
      ],
      group_type_mapping: {},
      cohorts: {},
    }
    await same({ definitions: tagged, options: { evaluationContexts: ['web'] } }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        all: await client.getAllFlags('u1', { onlyEvaluateLocally: true }),
        runtime: [client.getFeatureFlagEvaluationRuntime('untagged'), client.getFeatureFlagEvaluationRuntime('web-flag'), client.getFeatureFlagEvaluationRuntime('app-flag')],
        serverKeys: client.getFeatureFlagKeysByEvaluationRuntime('server'),
        clientKeys: client.getFeatureFlagKeysByEvaluationRuntime('client'),
      }
    })
  })

  it('client-only flags: hoglet skips them as PostHog does for a server SDK (listed difference)', async () => {
    const defs = { flags: [...FLAGS, { id: 10, key: 'client-only', active: true, filters: rollout(), evaluation_runtime: 'client' }], group_type_mapping: {}, cohorts: {} }
    const r = await runBoth({ definitions: defs }, async ({ client }) => {
      await localEvaluationReady(client)
      return { value: await client.getFeatureFlag('client-only', 'u1'), all: Object.keys(await client.getAllFlags('u1')).includes('client-only'), keys: client.getFeatureFlagKeysByEvaluationRuntime('client') }
    })
    expect(r['posthog-node'].value).toMatchObject({ value: true, all: true })
    expect(r.hoglet.value).toMatchObject({ value: undefined, all: false })
    expect((r.hoglet.value as any).keys).toEqual((r['posthog-node'].value as any).keys)
    expect(JSON.stringify(r.hoglet.flagsRequests)).not.toContain('client-only')
    expect(listedDifference('client-only-flags')).toBe(true)
  })

  it("on('localEvaluationFlagsLoaded') fires with the flag count", async () => {
    await same({ definitions: DEFINITIONS }, async ({ client }) => {
      const counts: number[] = []
      client.on('localEvaluationFlagsLoaded', (n: number) => counts.push(n))
      await localEvaluationReady(client)
      await client.reloadFeatureFlags()
      return counts
    })
  })

  it('featureFlagsPollingInterval: null loads once (reloadFeatureFlags loads again); a 50 ms interval is accepted and raised to 100 ms', async () => {
    const r = await same({ definitions: DEFINITIONS, options: { featureFlagsPollingInterval: null } }, async ({ client }) => {
      await localEvaluationReady(client)
      await new Promise((resolve) => setTimeout(resolve, 300))
      await client.reloadFeatureFlags()
      return null
    })
    expect(r.hoglet.definitionsRequests).toBe(2)
    const fast = await runBoth({ definitions: DEFINITIONS, options: { featureFlagsPollingInterval: 50 } }, async ({ client }) => {
      await localEvaluationReady(client)
      await new Promise((resolve) => setTimeout(resolve, 450))
      return null
    })
    for (const o of Object.values(fast)) {
      expect(o.definitionsRequests).toBeGreaterThanOrEqual(3)
      expect(o.definitionsRequests).toBeLessThanOrEqual(6)
    }
  })

  it('snapshot exposures: per-read sendFeatureFlagEvents, flag_missing, local_evaluation_inconclusive, slices', async () => {
    await same({ definitions: DEFINITIONS, options: { strictLocalEvaluation: true } }, async ({ client }) => {
      await localEvaluationReady(client)
      const snap = await client.evaluateFlags('u1')
      const reads = [snap.isEnabled('on'), snap.getFlag('multi', { sendFeatureFlagEvents: false }), snap.getFlag('needs-email'), snap.isEnabled('absent', { defaultValue: true })]
      const slice = snap.only(['on'])
      reads.push(slice.getFlag('multi'))
      return { reads, unresolved: snap.unresolvedFlags, sliceKeys: slice.keys, accessed: snap.onlyAccessed().keys, props: snap._getEventProperties() }
    })
  })

  it('sendFeatureFlags on capture: local values only when definitions are loaded', async () => {
    const r = await runBoth({ definitions: DEFINITIONS, remoteFlags: REMOTE }, async ({ client }) => {
      await localEvaluationReady(client)
      client.capture({ distinctId: 'u1', event: 'bought', sendFeatureFlags: true })
      client.capture({ distinctId: 'u1', event: 'bought-2', sendFeatureFlags: { onlyEvaluateLocally: false, personProperties: { email: 'a@b.c' } } })
      return null
    })
    // posthog-node enqueues each of these events when its own flags promise settles, so its two
    // events reach the wire in either order; hoglet keeps capture order. Compare them by name.
    expect(r.hoglet.events.map((e) => e.event)).toEqual(['bought', 'bought-2'])
    const byName = (o: typeof r.hoglet) => ({ ...o, events: [...o.events].sort((a, b) => a.event.localeCompare(b.event)) })
    expect(byName(r.hoglet)).toEqual(byName(r['posthog-node']))
  })

  it('options posthog-node accepts but ignores take effect in hoglet (listed differences)', async () => {
    const r = await runBoth({ remoteFlags: REMOTE, options: { disableRemoteFeatureFlags: true, bootstrap: { featureFlags: { 'remote-only': 'green' }, featureFlagPayloads: { 'remote-only': { boot: 1 } } } } }, async ({ client }) => ({
      value: await client.getFeatureFlag('remote-only', 'u1'),
      payload: await client.getFeatureFlagPayload('remote-only', 'u1'),
    }))
    expect(r['posthog-node'].value).toEqual({ value: 'blue', payload: { from: 'server' } })
    expect(r['posthog-node'].flagsRequests).toHaveLength(2)
    expect(r.hoglet.value).toEqual({ value: 'green', payload: { boot: 1 } })
    expect(r.hoglet.flagsRequests).toEqual([])
    expect(listedDifference('disable-remote-feature-flags')).toBe(true)
    expect(listedDifference('bootstrap')).toBe(true)

    const lazy = await runBoth({ definitions: DEFINITIONS, options: { preloadFeatureFlags: false } }, async ({ client }) => {
      await new Promise((resolve) => setTimeout(resolve, 100))
      return null
    })
    expect(lazy['posthog-node'].definitionsRequests).toBe(1)
    expect(lazy.hoglet.definitionsRequests).toBe(0)
    expect(listedDifference('preload-feature-flags')).toBe(true)
  })

  it('a failed /flags: same answers, a more precise $feature_flag_error (listed difference)', async () => {
    const r = await runBoth({ flagsRoute: () => ({ status: 500, body: 'down' }), options: { featureFlagsRequestMaxRetries: 0 } }, async ({ client }) => ({
      flag: await client.getFeatureFlag('checkout', 'u1'),
      all: await client.getAllFlags('u1'),
    }))
    expect(r.hoglet.value).toEqual(r['posthog-node'].value)
    expect(r.hoglet.flagsRequests).toEqual(r['posthog-node'].flagsRequests)
    expect(r['posthog-node'].events[0]!.properties.$feature_flag_error).toBe('unknown_error')
    expect(r.hoglet.events[0]!.properties.$feature_flag_error).toBe('api_error_500')
    expect(without(r.hoglet.events[0]!.properties, '$feature_flag_error')).toEqual(without(r['posthog-node'].events[0]!.properties, '$feature_flag_error'))
    expect(listedDifference('flag-error-codes')).toBe(true)
  })

  it('a project with no flags: ready in hoglet, not in posthog-node (listed difference)', async () => {
    const r = await runBoth({ definitions: { flags: [], group_type_mapping: {}, cohorts: {} } }, async ({ client }) => {
      const waited = await client.waitForLocalEvaluationReady(300)
      return { waited, ready: client.isLocalEvaluationReady() }
    })
    expect(r['posthog-node'].value).toEqual({ waited: false, ready: false })
    expect(r.hoglet.value).toEqual({ waited: true, ready: true })
    expect(listedDifference('ready-without-flags')).toBe(true)
  })

  it('getRemoteConfigPayload without a secret key: posthog-node throws, hoglet resolves undefined (listed difference)', async () => {
    const r = await runBoth({}, async ({ client }) => {
      try {
        return { resolved: await client.getRemoteConfigPayload('beta') }
      } catch (error) {
        return { threw: (error as Error).message }
      }
    })
    expect(r['posthog-node'].value).toHaveProperty('threw')
    expect(r.hoglet.value).toEqual({ resolved: undefined })
    expect(listedDifference('remote-config-without-key')).toBe(true)
  })

  it('getFeatureFlag without a distinct id inside a context (listed difference)', async () => {
    const r = await runBoth({ remoteFlags: REMOTE }, ({ client }) => client.withContext({ distinctId: 'ctx-user' }, () => client.getFeatureFlag('remote-only')))
    expect(r.hoglet.value).toBe(r['posthog-node'].value)
    expect((r['posthog-node'].flagsRequests[0] as any).distinct_id).toBeUndefined()
    expect((r.hoglet.flagsRequests[0] as any).distinct_id).toBe('ctx-user')
    expect(r.hoglet.events).toEqual(r['posthog-node'].events)
    expect(listedDifference('flag-call-without-distinct-id')).toBe(true)
  })

  it('definitions answered 402: posthog-node wipes them, hoglet keeps the last good ones (listed difference)', async () => {
    let quota = false
    const r = await runBoth({ definitions: DEFINITIONS }, async ({ client, server }) => {
      await localEvaluationReady(client)
      quota = true
      server.route('/flags/definitions', { status: 402, body: { detail: 'quota' } })
      server.route('/api/feature_flag/local_evaluation', { status: 402, body: { detail: 'quota' } })
      // Let posthog-node's first load settle fully: a reload during it joins it.
      await new Promise((resolve) => setTimeout(resolve, 30))
      await client.reloadFeatureFlags()
      expect(server.requestsTo('/flags/definitions')).toHaveLength(2)
      return client.getFeatureFlag('on', 'u1', { onlyEvaluateLocally: true, sendFeatureFlagEvents: false })
    })
    expect(quota).toBe(true)
    expect(r['posthog-node'].value).toBeUndefined()
    expect(r.hoglet.value).toBe(true)
    expect(listedDifference('definitions-quota')).toBe(true)
  })

  it('distinctIdHasSentFlagCalls reads and resets like posthog-node', async () => {
    await same({ definitions: DEFINITIONS }, async ({ client }) => {
      await localEvaluationReady(client)
      await client.getFeatureFlag('on', 'u1')
      await client.getFeatureFlag('multi', 'u1', { groups: { team: 't', company: 'c' } })
      const sent = Object.fromEntries(Object.entries(client.distinctIdHasSentFlagCalls as Record<string, Set<string>>).map(([k, v]) => [k, [...v]]))
      client.distinctIdHasSentFlagCalls = {}
      await client.getFeatureFlag('on', 'u1') // sent again after the reset
      return sent
    })
  })

  it('a cache provider handing back wire-named data (group_type_mapping) without a key', async () => {
    const groupFlag = { id: 20, key: 'big-co', active: true, filters: { aggregation_group_type_index: 0, groups: [{ properties: [{ key: 'size', type: 'group', group_type_index: 0, operator: 'gt', value: 100 }], rollout_percentage: 100 }] } }
    const data = { flags: [...FLAGS, groupFlag], group_type_mapping: { '0': 'company' }, cohorts: {} }
    const provider = { getFlagDefinitions: () => data, shouldFetchFlagDefinitions: () => false, onFlagDefinitionsReceived: () => {}, shutdown: () => {} }
    const r = await same({ options: { flagDefinitionCacheProvider: provider } }, async ({ client }) => {
      await localEvaluationReady(client)
      return {
        big: await client.getFeatureFlag('big-co', 'u1', { groups: { company: 'acme' }, groupProperties: { company: { size: 500 } } }),
        small: await client.getFeatureFlag('big-co', 'u1', { groups: { company: 'tiny' }, groupProperties: { company: { size: 5 } } }),
      }
    })
    expect(r.hoglet.value).toEqual({ big: true, small: false })
    expect(r.hoglet.definitionsRequests).toBe(0)
  })

  it('sendFeatureFlags without definitions: one /flags request per event; hoglet honours flagKeys and fills $group_key (listed difference)', async () => {
    const r = await runBoth({ remoteFlags: REMOTE }, async ({ client }) => {
      client.capture({ distinctId: 'u1', event: 'bought', sendFeatureFlags: { flagKeys: ['remote-only'], personProperties: { email: 'a@b.c' } } })
      client.capture({ distinctId: 'u1', event: 'bought-2', groups: { company: 'acme' }, sendFeatureFlags: true })
      await client.flush()
      return null
    })
    const [pn, h] = [r['posthog-node'], r.hoglet]
    expect(h.flagsRequests).toHaveLength(2)
    expect(pn.flagsRequests).toHaveLength(2)
    // posthog-node drops flagKeys on this path (so the event gets every flag) and sends group properties as given.
    expect((pn.flagsRequests[0] as any).flag_keys_to_evaluate).toBeUndefined()
    expect((h.flagsRequests[0] as any).flag_keys_to_evaluate).toEqual(['remote-only'])
    expect(h.events[0]!.properties['$feature/remote-only']).toBe('blue')
    expect(h.events[0]!.properties).not.toHaveProperty('$feature/needs-email')
    expect((h.flagsRequests[1] as any).group_properties).toEqual({ company: { $group_key: 'acme' } })
    const pnGroupRequest = pn.flagsRequests.find((b: any) => b.groups?.company === 'acme')
    expect(without(h.flagsRequests[1] as any, 'group_properties')).toEqual(without(pnGroupRequest as any, 'group_properties'))
    // posthog-node enqueues each event when its /flags answer arrives, so its events may be in either order.
    expect(h.events.map((e) => e.event)).toEqual(['bought', 'bought-2'])
    expect(h.events[1]).toEqual(pn.events.find((e) => e.event === 'bought-2'))
    expect(listedDifference('send-feature-flags-request')).toBe(true)
  })
})
