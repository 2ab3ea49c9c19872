/**
 * What the flag service's modules share: the resolved options, the parts built from them and
 * the current test overrides. `FeatureFlags` owns one of these and hands it to the single-flag
 * and all-flags paths, so those stay plain functions (no extra object or layer per call).
 */
import type { FlagDefinitionCacheProvider } from './cache-provider.js'
import type { ExposureEvent, ExposureReporter } from './exposure.js'
import type { FetchFn, FlagsLogger, NormalizedOverrides } from './flag-api.js'
import type { CompiledDefinitions } from './loaded-definitions.js'
import type { DefinitionsPoller } from './poller.js'
import type { RemoteFlagsClient, RemoteFlagsError } from './remote.js'

export interface FeatureFlagsConfig {
  projectToken: string
  host: string
  fetch: FetchFn
  userAgent: string
  logger: FlagsLogger
  /** Logs and reports an error (the client's logger, `onError` and `error` event). */
  report: (error: Error, level: 'warn' | 'error') => void
  /** Sends an exposure event through the client's capture. */
  capture: (event: ExposureEvent) => void
  /** Bucketing SHA-1; by default the engine's own, which is faster than node:crypto for flag hashing's short inputs. */
  sha1Hex?: (input: string) => string
  secretKey: string | undefined
  enableLocalEvaluation: boolean
  /** null: no polling after the first load (`featureFlagsPollingInterval: null`). */
  pollIntervalMs: number | null
  definitionsTimeoutMs: number
  requestTimeoutMs: number
  maxRetries: number
  remoteConfigTimeoutMs: number
  strictLocalEvaluation: boolean
  cacheProvider: FlagDefinitionCacheProvider | undefined
  sendFeatureFlagEvent: boolean
  maxCacheSize: number
  evaluationContexts: readonly string[] | undefined
  /** The client's default for `geoip_disable`. */
  disableGeoip: boolean
  /** Device id of the current context scope, used when a call passes no `deviceId`. */
  contextDeviceId?: () => string | undefined
  /** A disabled client evaluates nothing and makes no requests. @default false */
  disabled?: boolean
  /** Retry delay of `/flags` (tests shorten it). @default 300 */
  retryDelayMs?: number
  onDefinitionsLoaded?: (flagCount: number) => void
}

export interface FlagServiceState {
  readonly config: FeatureFlagsConfig
  /** Present only with local evaluation on (secret key, not disabled). */
  readonly poller: DefinitionsPoller<CompiledDefinitions> | undefined
  readonly remote: RemoteFlagsClient
  readonly exposures: ExposureReporter
  /** Replaced wholesale by `overrideFeatureFlags`. */
  overrides: NormalizedOverrides
}

/** A failed remote request is reported as a warning and answered with undefined, never thrown. */
export function reportRemoteError(config: FeatureFlagsConfig, error: RemoteFlagsError): void {
  const err = new Error(`feature flags: ${error.message}`, { cause: error.cause })
  err.name = 'FeatureFlagsRequestError'
  try {
    config.report(err, 'warn')
  } catch {
    // A throwing reporter must not reach the caller's request path.
  }
}
