// Type-level compatibility: feature flags (methods with their context overloads, options, types).
import {
  PostHog,
  FeatureFlagError,
  FeatureFlagEvaluations,
  type AllFlagsOptions,
  type FeatureFlagResult,
  type FlagDefinitionCacheData,
  type FlagDefinitionCacheProvider,
  type FlagEvaluationOptions,
  type OverrideFeatureFlagsOptions,
  type PostHogFeatureFlag,
  type FeatureFlagErrorType,
} from 'posthog-compat-target'

const posthog = new PostHog('phc_key', {
  secretKey: 'phs_secret',
  preloadFeatureFlags: false,
  disableRemoteFeatureFlags: false,
  evaluationEnvironments: ['production'],
  bootstrap: { distinctId: 'u', isIdentifiedId: true, featureFlags: { a: true, b: 'variant' }, featureFlagPayloads: { a: { x: 1 } } },
  featureFlagsLogWarnings: false,
})

async function flags(): Promise<void> {
  const on: boolean | undefined = await posthog.isFeatureEnabled('flag', 'u')
  const on2: boolean | undefined = await posthog.isFeatureEnabled('flag', 'u', { groups: { company: 'acme' }, personProperties: { plan: 'pro' }, groupProperties: { company: { size: 5 } }, onlyEvaluateLocally: true, sendFeatureFlagEvents: false, disableGeoip: true })
  const value: string | boolean | undefined = await posthog.getFeatureFlag('flag', 'u')
  const value2 = await posthog.getFeatureFlag('flag', 'u', { personProperties: { plan: 'pro' } })
  const payload = await posthog.getFeatureFlagPayload('flag', 'u')
  const payload2 = await posthog.getFeatureFlagPayload('flag', 'u', 'variant', { onlyEvaluateLocally: true })
  const payload3 = await posthog.getFeatureFlagPayload('flag', 'u', value)
  const options: FlagEvaluationOptions = { personProperties: { plan: 'pro' }, sendFeatureFlagEvents: true }
  const result: FeatureFlagResult | undefined = await posthog.getFeatureFlagResult('flag', 'u', options)
  const inContext = await posthog.getFeatureFlagResult('flag', { personProperties: { a: 1 } })
  const inContext2 = await posthog.getFeatureFlagResult('flag')
  if (result) {
    const key: string = result.key
    const enabled: boolean = result.enabled
    const variant: string | undefined = result.variant
    const reason: string | undefined = result.reason
    const reasonCode: string | undefined = result.reasonCode
    void [key, enabled, variant, reason, reasonCode, result.payload]
  }
  const allOptions: AllFlagsOptions = { flagKeys: ['a'], groups: { company: 'acme' }, onlyEvaluateLocally: false }
  const all: Record<string, string | boolean> = await posthog.getAllFlags('u')
  const all2 = await posthog.getAllFlags('u', allOptions)
  const all3 = await posthog.getAllFlags()
  const all4 = await posthog.getAllFlags({ flagKeys: ['a'] })
  const both = await posthog.getAllFlagsAndPayloads('u')
  const both2 = await posthog.getAllFlagsAndPayloads({ personProperties: { a: 1 } })
  const flagsMap = both.featureFlags
  const payloads = both.featureFlagPayloads
  const snapshot: FeatureFlagEvaluations = await posthog.evaluateFlags('u', { flagKeys: ['a'] })
  const snapshot2 = await posthog.evaluateFlags()
  const snapshot3 = await posthog.evaluateFlags({ personProperties: { a: 1 } })
  const isOn: boolean = snapshot.isEnabled('a')
  const isOn2: boolean = snapshot.isEnabled('a', { defaultValue: true, sendFeatureFlagEvents: false })
  const flagValue = snapshot.getFlag('a', { sendFeatureFlagEvents: false })
  const flagPayload = snapshot.getFlagPayload('a')
  const keys: string[] = snapshot.keys
  const accessed = snapshot.onlyAccessed()
  const some = snapshot.only(['a'])
  const unresolved = snapshot.unresolvedFlags
  posthog.capture({ distinctId: 'u', event: 'purchase', flags: snapshot })
  posthog.captureException(new Error('x'), 'u', {}, undefined, snapshot)
  const remote = await posthog.getRemoteConfigPayload('config')
  await posthog.reloadFeatureFlags()
  const ready: boolean = await posthog.waitForLocalEvaluationReady()
  const ready2: boolean = await posthog.waitForLocalEvaluationReady(5000)
  const isReady: boolean = posthog.isLocalEvaluationReady()
  const runtime = posthog.getFeatureFlagEvaluationRuntime('a')
  const serverKeys: string[] = posthog.getFeatureFlagKeysByEvaluationRuntime('server')
  void [on, on2, value2, payload, payload2, payload3, inContext, inContext2, all, all2, all3, all4, both2, flagsMap, payloads, snapshot2, snapshot3, isOn, isOn2, flagValue, flagPayload, keys, accessed, some, unresolved, remote, ready, ready2, isReady, runtime, serverKeys]
}
void flags

const overrides: OverrideFeatureFlagsOptions[] = [false, ['a', 'b'], { a: true, b: 'variant' }, { flags: { a: 'x' }, payloads: { a: { discount: 20 } } }, { flags: false }, { payloads: false }]
for (const o of overrides) posthog.overrideFeatureFlags(o)

const definition: PostHogFeatureFlag = {
  id: 1,
  name: 'Flag',
  key: 'flag',
  filters: { groups: [{ properties: [{ key: 'plan', value: 'pro', operator: 'exact', type: 'person' }], rollout_percentage: 100 }] },
  deleted: false,
  active: true,
  rollout_percentage: null,
  ensure_experience_continuity: false,
  experiment_set: [],
}

class RedisCache implements FlagDefinitionCacheProvider {
  data: FlagDefinitionCacheData | undefined = { flags: [definition], groupTypeMapping: {}, cohorts: {} }
  getFlagDefinitions(): FlagDefinitionCacheData | undefined {
    return this.data
  }
  shouldFetchFlagDefinitions(): boolean {
    return true
  }
  onFlagDefinitionsReceived(data: FlagDefinitionCacheData): void {
    this.data = data
  }
  shutdown(): void {}
}
new PostHog('phc_key', { flagDefinitionCacheProvider: new RedisCache() })

const missing: FeatureFlagErrorType = FeatureFlagError.FLAG_MISSING
const values: string[] = [FeatureFlagError.ERRORS_WHILE_COMPUTING, FeatureFlagError.LOCAL_EVALUATION_INCONCLUSIVE, FeatureFlagError.QUOTA_LIMITED, FeatureFlagError.UNKNOWN_ERROR]
void [missing, values]
posthog.on('localEvaluationFlagsLoaded', (count: number) => console.log(count))
