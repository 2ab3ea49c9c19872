import { describe, expect, it } from 'vitest'
import { serverPerTest } from '../helpers/client.js'

// README: flags are evaluated locally with a key, but "for a flag that only PostHog can decide (a
// property you did not pass, a static cohort, experience continuity), hoglet asks /flags"; with
// `onlyEvaluateLocally` such a flag is `undefined`.
const { server, client } = serverPerTest()

const everyone = { properties: [], rollout_percentage: 100 }
const definitions = {
  flags: [
    { key: 'local-only', id: 1, active: true, filters: { groups: [everyone] } },
    { key: 'needs-plan', id: 2, active: true, filters: { groups: [{ properties: [{ key: 'plan', type: 'person', operator: 'exact', value: ['pro'] }], rollout_percentage: 100 }] } },
    // Cohort 77 is not in `cohorts`: a static cohort, whose members only PostHog knows.
    { key: 'static-cohort', id: 3, active: true, filters: { groups: [{ properties: [{ key: 'id', type: 'cohort', value: 77 }], rollout_percentage: 100 }] } },
    { key: 'continuity', id: 4, active: true, ensure_experience_continuity: true, filters: { groups: [{ properties: [], rollout_percentage: 50 }] } },
  ],
  group_type_mapping: {},
  cohorts: {},
}

const remoteAnswer = (key: string) => ({
  flags: { [key]: { key, enabled: true, variant: 'from-server', reason: { code: 'condition_match' }, metadata: { id: 9, version: 1 } } },
})

const remoteCalls = () => server.requests.filter((r) => r.path === '/flags/')

describe('flags only PostHog can decide', () => {
  it('a flag decidable locally makes no /flags request', async () => {
    server.route('/flags/definitions', { body: definitions })
    const c = client({ personalApiKey: 'phx_test' })
    expect(await c.waitForLocalEvaluationReady(5000)).toBe(true)
    expect(await c.getFeatureFlag('local-only', 'user-1', { sendFeatureFlagEvents: false })).toBe(true)
    expect(await c.getFeatureFlag('needs-plan', 'user-1', { personProperties: { plan: 'pro' }, sendFeatureFlagEvents: false })).toBe(true)
    expect(remoteCalls()).toHaveLength(0)
  })

  it.each([
    ['a property that was not passed', 'needs-plan'],
    ['a static cohort', 'static-cohort'],
    ['experience continuity', 'continuity'],
  ])('%s: asks /flags and answers with the server value; onlyEvaluateLocally gives undefined', async (_why, key) => {
    server.route('/flags/definitions', { body: definitions })
    server.route('/flags/', { body: remoteAnswer(key) })
    const c = client({ personalApiKey: 'phx_test' })
    expect(await c.waitForLocalEvaluationReady(5000)).toBe(true)
    expect(await c.getFeatureFlag(key, 'user-1', { onlyEvaluateLocally: true, sendFeatureFlagEvents: false })).toBeUndefined()
    expect(remoteCalls()).toHaveLength(0)
    expect(await c.getFeatureFlag(key, 'user-1', { sendFeatureFlagEvents: false })).toBe('from-server')
    expect(remoteCalls()).toHaveLength(1)
    expect(remoteCalls()[0]!.json).toMatchObject({ distinct_id: 'user-1' })
  })
})
