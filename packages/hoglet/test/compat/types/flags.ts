// Feature-flag surface of posthog-node 5.x, as its users write it: every flag method and
// overload, every flag option, every exported flag type. It must compile against posthog-node
// and, with only the import changed, against hoglet (test/compat/type-compat.test.ts compiles it against both).
import { PostHog, FeatureFlagError, FeatureFlagEvaluations } from 'posthog-compat-target'
import type {
  AllFlagsOptions,
  BaseFlagEvaluationOptions,
  FeatureFlagBucketingIdentifier,
  FeatureFlagCondition,
  FeatureFlagErrorType,
  FeatureFlagEvaluationRuntime,
  FeatureFlagOverrideOptions,
  FeatureFlagResult,
  FlagDefinitionCacheData,
  FlagDefinitionCacheInput,
  FlagDefinitionCacheProvider,
  FlagEvaluationOptions,
  FlagProperty,
  OverrideFeatureFlagsOptions,
  PostHogFeatureFlag,
  PostHogOptions,
  PropertyGroup,
  SendFeatureFlagsOptions,
  UnresolvedFlagReason,
} from 'posthog-compat-target'

const options: PostHogOptions = {
  host: 'http://127.0.0.1:8000',
  personalApiKey: 'phx_personal',
  secretKey: 'phs_secret',
  enableLocalEvaluation: true,
  featureFlagsPollingInterval: 30_000,
  featureFlagsRequestTimeoutMs: 3000,
  featureFlagsRequestMaxRetries: 1,
  remoteConfigRequestTimeoutMs: 3000,
  strictLocalEvaluation: false,
  sendFeatureFlagEvent: true,
  maxCacheSize: 50_000,
  preloadFeatureFlags: true,
  disableRemoteFeatureFlags: false,
  evaluationContexts: ['web'],
  evaluationEnvironments: ['web'] as const,
  featureFlagsLogWarnings: true,
  bootstrap: { distinctId: 'u1', isIdentifiedId: true, featureFlags: { beta: true, checkout: 'test' }, featureFlagPayloads: { checkout: { steps: 2 } } },
}
const noPolling: PostHogOptions = { featureFlagsPollingInterval: null }
const fastPolling: PostHogOptions = { featureFlagsPollingInterval: 50 }

class MemoryCache implements FlagDefinitionCacheProvider {
  private data: FlagDefinitionCacheData | undefined
  getFlagDefinitions(): FlagDefinitionCacheData | undefined {
    return this.data
  }
  shouldFetchFlagDefinitions(): boolean {
    return this.data === undefined
  }
  onFlagDefinitionsReceived(data: FlagDefinitionCacheData): void {
    this.data = data
  }
  shutdown(): void {}
}

const wireNamed: FlagDefinitionCacheProvider<FlagDefinitionCacheInput> = {
  getFlagDefinitions: (): FlagDefinitionCacheInput => ({ flags: [], group_type_mapping: { '0': 'company' }, cohorts: {} }),
  shouldFetchFlagDefinitions: () => false,
  onFlagDefinitionsReceived: async () => {},
  shutdown: async () => {},
}

export async function flagUsage(): Promise<void> {
  new PostHog('phc_project', { flagDefinitionCacheProvider: wireNamed })
  const posthog = new PostHog('phc_project', { ...options, flagDefinitionCacheProvider: new MemoryCache() })
  new PostHog('phc_project', noPolling)
  new PostHog('phc_project', fastPolling)

  const perCall = {
    groups: { company: 'acme' },
    personProperties: { plan: 'pro', $device_id: 'device-1' },
    groupProperties: { company: { size: 10 } },
    onlyEvaluateLocally: false,
    sendFeatureFlagEvents: true,
    disableGeoip: false,
  }
  const enabled: boolean | undefined = await posthog.isFeatureEnabled('beta', 'u1', perCall)
  const value = await posthog.getFeatureFlag('beta', 'u1', perCall)
  if (typeof value === 'string' || typeof value === 'boolean' || value === undefined) void value
  const payload = await posthog.getFeatureFlagPayload('beta', 'u1', 'test', perCall)
  await posthog.getFeatureFlagPayload('beta', 'u1', undefined, { onlyEvaluateLocally: true })
  await posthog.getFeatureFlagPayload('beta', 'u1')
  void [enabled, payload]

  const evaluation: FlagEvaluationOptions = { personProperties: { plan: 'pro' }, sendFeatureFlagEvents: false }
  const base: BaseFlagEvaluationOptions = { groups: { company: 'acme' }, disableGeoip: true }
  const result: FeatureFlagResult | undefined = await posthog.getFeatureFlagResult('beta', 'u1', evaluation)
  const fromContext = await posthog.getFeatureFlagResult('beta', base)
  await posthog.getFeatureFlagResult('beta')
  if (result) {
    const { key, enabled: on, variant, payload: p, reason, reasonCode } = result
    const text: string | undefined = reason
    const code: string | undefined = reasonCode
    void [key, on, variant, p, text, code]
  }
  void fromContext

  const allOptions: AllFlagsOptions = { flagKeys: ['beta'], onlyEvaluateLocally: true, personProperties: { plan: 'pro' } }
  const all: Record<string, string | boolean> = await posthog.getAllFlags('u1', allOptions)
  await posthog.getAllFlags(allOptions)
  await posthog.getAllFlags()
  const both = await posthog.getAllFlagsAndPayloads('u1', allOptions)
  const fromCtx = await posthog.getAllFlagsAndPayloads({ flagKeys: ['beta'] })
  await posthog.getAllFlagsAndPayloads()
  const flagsRecord: Record<string, string | boolean> = both.featureFlags ?? {}
  void [all, flagsRecord, fromCtx.featureFlagPayloads]

  const flags: FeatureFlagEvaluations = await posthog.evaluateFlags('u1', allOptions)
  await posthog.evaluateFlags(allOptions)
  await posthog.evaluateFlags()
  const on: boolean = flags.isEnabled('beta')
  flags.isEnabled('beta', { defaultValue: true, sendFeatureFlagEvents: false })
  const variant = flags.getFlag('checkout', { sendFeatureFlagEvents: true })
  const flagPayload = flags.getFlagPayload('checkout')
  const keys: string[] = flags.keys
  const unresolved: Readonly<Record<string, UnresolvedFlagReason>> = flags.unresolvedFlags
  const slice: FeatureFlagEvaluations = flags.only(['beta']).onlyAccessed()
  const props: Record<string, any> = flags._getEventProperties()
  void [on, variant, flagPayload, keys, unresolved, slice, props]
  posthog.capture({ distinctId: 'u1', event: 'purchase', flags })
  const sendOptions: SendFeatureFlagsOptions = { onlyEvaluateLocally: true, personProperties: { plan: 'pro' }, groupProperties: { company: { size: 1 } }, flagKeys: ['beta'] }
  posthog.capture({ distinctId: 'u1', event: 'purchase', sendFeatureFlags: sendOptions })
  posthog.capture({ distinctId: 'u1', event: 'purchase', sendFeatureFlags: true })

  const runtime: FeatureFlagEvaluationRuntime | undefined = posthog.getFeatureFlagEvaluationRuntime('beta')
  const serverKeys: string[] = posthog.getFeatureFlagKeysByEvaluationRuntime('server')
  void [runtime, serverKeys]

  const overrides: OverrideFeatureFlagsOptions = { flags: { beta: true, checkout: 'test' }, payloads: { checkout: { steps: 2 } } }
  const payloadsOnly: FeatureFlagOverrideOptions = { payloads: { beta: 'x' } }
  posthog.overrideFeatureFlags(overrides)
  posthog.overrideFeatureFlags(payloadsOnly)
  posthog.overrideFeatureFlags({ flags: false, payloads: false })
  posthog.overrideFeatureFlags(['beta'])
  posthog.overrideFeatureFlags({ beta: 'variant' })
  posthog.overrideFeatureFlags(false)

  await posthog.reloadFeatureFlags()
  const ready: boolean = await posthog.waitForLocalEvaluationReady(5000)
  const readyNow: boolean = posthog.isLocalEvaluationReady()
  const remoteConfig = await posthog.getRemoteConfigPayload('beta')
  void [ready, readyNow, remoteConfig]

  posthog.on('localEvaluationFlagsLoaded', (count: number) => void count)
  const sent: Record<string, Set<string>> = posthog.distinctIdHasSentFlagCalls
  posthog.distinctIdHasSentFlagCalls = {}
  void sent

  const errorCode: FeatureFlagErrorType = FeatureFlagError.FLAG_MISSING
  const codes: string[] = [FeatureFlagError.ERRORS_WHILE_COMPUTING, FeatureFlagError.LOCAL_EVALUATION_INCONCLUSIVE, FeatureFlagError.QUOTA_LIMITED, FeatureFlagError.UNKNOWN_ERROR]
  void [errorCode, codes]

  const property: FlagProperty = { key: 'plan', type: 'person', value: 'pro', operator: 'exact' }
  const group: PropertyGroup = { type: 'AND', values: [property] }
  const condition: FeatureFlagCondition = { properties: [property], rollout_percentage: 50, variant: 'test' }
  const bucketing: FeatureFlagBucketingIdentifier = 'device_id'
  const definition: PostHogFeatureFlag = {
    id: 1,
    name: 'Beta',
    key: 'beta',
    bucketing_identifier: bucketing,
    filters: { groups: [condition], payloads: { true: '{"a":1}' } },
    deleted: false,
    active: true,
    rollout_percentage: null,
    ensure_experience_continuity: false,
    experiment_set: [],
    evaluation_runtime: 'server',
  }
  const cached: FlagDefinitionCacheData = { flags: [definition], groupTypeMapping: { '0': 'company' }, cohorts: { '1': group } }
  void cached

  await posthog.shutdown()
}
