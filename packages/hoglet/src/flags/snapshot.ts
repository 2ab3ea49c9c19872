/**
 * `FlagSnapshot`, the implementation of the public `FeatureFlagEvaluations`
 * (`feature-flag-evaluations.ts`), built by the flag service and loaded with it.
 */
import type { FlagReason, FlagValue, FlagsLogger, JsonValue, UnresolvedFlagReason } from './flag-api.js'
import type { Exposure } from './exposure.js'
import type { FlagKey, FlagPayloadOf, FlagSchema, FlagValueOf } from './flag-key-types.js'
import { registerSnapshot } from './snapshot-registry.js'
import { FeatureFlagEvaluations } from './feature-flag-evaluations.js'

/** One flag in a snapshot. */
export interface FlagRecord {
  key: string
  enabled: boolean
  variant: string | undefined
  payload: JsonValue | undefined
  locallyEvaluated: boolean
  id: number | undefined
  version: number | undefined
  reason: FlagReason | undefined
  hasExperiment: boolean | undefined
}

/** What a snapshot pins at creation and stamps on every exposure it fires later. */
export interface SnapshotContext {
  distinctId: string
  groups: Record<string, string | number> | undefined
  disableGeoip: boolean | undefined
  requestId: string | undefined
  evaluatedAt: number | undefined
  errorsWhileComputingFlags: boolean
  quotaLimited: boolean
  definitionsLoadedAt: number | undefined
  /** Flags local evaluation could not resolve (and no answer came from the server). */
  unresolved?: Readonly<Record<string, UnresolvedFlagReason>>
}

export const LOCAL_REASON_DESCRIPTION = 'Evaluated locally'

/** The explanation posthog-node gives: `"Evaluated locally"` for local answers, else the server's description (or code). */
export function reasonText(record: FlagRecord): string | undefined {
  if (record.locallyEvaluated) return LOCAL_REASON_DESCRIPTION
  return record.reason?.description ?? (record.reason?.code || undefined)
}

const NO_UNRESOLVED: Readonly<Record<string, UnresolvedFlagReason>> = Object.freeze({})

/** Every snapshot `evaluateFlags` returns; the doc of each member is on `FeatureFlagEvaluations`. */
export class FlagSnapshot<Flags extends FlagSchema<Flags> = any> extends FeatureFlagEvaluations<Flags> {
  private readonly accessed: Set<string>

  /** @internal Created by `PostHog.evaluateFlags`. */
  constructor(
    private readonly records: ReadonlyMap<string, FlagRecord>,
    private readonly context: SnapshotContext,
    private readonly expose: ((exposure: Exposure, perRead: boolean | undefined) => void) | undefined,
    private readonly logger: FlagsLogger | undefined,
    accessed?: Iterable<string>,
    private readonly isSlice = false,
  ) {
    super()
    this.accessed = new Set(accessed)
    registerSnapshot(this)
  }

  /** An empty snapshot (no subject, disabled client): every read gives the default and fires nothing. */
  static empty(logger?: FlagsLogger): FlagSnapshot {
    return new FlagSnapshot(
      new Map(),
      { distinctId: '', groups: undefined, disableGeoip: undefined, requestId: undefined, evaluatedAt: undefined, errorsWhileComputingFlags: false, quotaLimited: false, definitionsLoadedAt: undefined },
      undefined,
      logger,
    )
  }

  get keys(): string[] {
    return [...this.records.keys()]
  }

  get distinctId(): string {
    return this.context.distinctId
  }

  isEnabled(key: FlagKey<Flags>, options?: { defaultValue?: boolean; sendFeatureFlagEvents?: boolean }): boolean {
    const record = this.records.get(key)
    const opts = options !== null && typeof options === 'object' ? options : undefined
    this.access(key, record, perReadChoice(opts))
    if (record) return record.enabled
    const fallback = opts?.defaultValue
    return typeof fallback === 'boolean' ? fallback : false
  }

  getFlag<K extends FlagKey<Flags>>(key: K, options?: { sendFeatureFlagEvents?: boolean }): FlagValueOf<Flags, K> | undefined {
    const record = this.records.get(key)
    this.access(key, record, perReadChoice(options))
    return (record ? flagValueOf(record) : undefined) as FlagValueOf<Flags, K> | undefined
  }

  get unresolvedFlags(): Readonly<Record<string, UnresolvedFlagReason>> {
    return this.context.unresolved ?? NO_UNRESOLVED
  }

  getFlagPayload<K extends FlagKey<Flags>>(key: K): FlagPayloadOf<Flags, K> | undefined {
    return this.records.get(key)?.payload as FlagPayloadOf<Flags, K> | undefined
  }

  only(keys: readonly FlagKey<Flags>[]): FeatureFlagEvaluations<Flags> {
    const picked = new Map<string, FlagRecord>()
    const unknown: string[] = []
    if (!Array.isArray(keys)) {
      this.logger?.warn('only(): expects an array of flag keys; the copy holds no flags')
      keys = []
    }
    for (const key of keys as readonly unknown[]) {
      if (typeof key !== 'string') continue
      const record = this.records.get(key)
      if (record) picked.set(key, record)
      else unknown.push(key)
    }
    if (unknown.length > 0) this.logger?.warn(`only(): ignoring flags not in this snapshot: ${unknown.join(', ')}`)
    return new FlagSnapshot(picked, this.context, this.expose, this.logger, this.accessed, true)
  }

  onlyAccessed(): FeatureFlagEvaluations<Flags> {
    const picked = new Map<string, FlagRecord>()
    for (const key of this.accessed) {
      const record = this.records.get(key)
      if (record) picked.set(key, record)
    }
    return new FlagSnapshot(picked, this.context, this.expose, this.logger, this.accessed, true)
  }

  toEventProperties(): Record<string, unknown> {
    const props: Record<string, unknown> = {}
    const active: string[] = []
    for (const record of this.records.values()) {
      const value = flagValueOf(record)
      props[`$feature/${record.key}`] = value
      if (value !== false) active.push(record.key)
    }
    if (active.length > 0) props.$active_feature_flags = active.sort()
    return props
  }

  _getEventProperties(): Record<string, unknown> {
    return this.toEventProperties()
  }

  private access(key: string, record: FlagRecord | undefined, perRead: boolean | undefined): void {
    this.accessed.add(key)
    if (!this.expose || this.context.distinctId === '') return
    // A slice (only/onlyAccessed) says nothing about flags it left out.
    if (this.isSlice && !record) return
    const errors: string[] = []
    if (this.context.errorsWhileComputingFlags) errors.push('errors_while_computing_flags')
    if (this.context.quotaLimited) errors.push('quota_limited')
    if (!record) errors.push(this.context.unresolved && Object.hasOwn(this.context.unresolved, key) ? 'local_evaluation_inconclusive' : 'flag_missing')
    this.expose(exposureFor(key, record, this.context, errors), perRead)
  }
}

/** The exposure for reading `key` (absent: `record` undefined) under the pinned `context`. */
export function exposureFor(key: string, record: FlagRecord | undefined, context: SnapshotContext, errors: readonly string[]): Exposure {
  const local = record?.locallyEvaluated ?? false
  return {
    distinctId: context.distinctId,
    key,
    response: record ? flagValueOf(record) : undefined,
    groups: context.groups,
    disableGeoip: context.disableGeoip,
    locallyEvaluated: local,
    requestId: context.requestId,
    evaluatedAt: local ? Date.now() : context.evaluatedAt,
    reason: record ? reasonText(record) : undefined,
    id: record?.id,
    // posthog-node reports no version for locally evaluated flags.
    version: local ? undefined : record?.version,
    hasExperiment: record?.hasExperiment,
    errors,
    definitionsLoadedAt: local ? context.definitionsLoadedAt : undefined,
  }
}

export function flagValueOf(record: { enabled: boolean; variant: string | undefined }): FlagValue {
  return record.variant ?? record.enabled
}

/** A read's own `sendFeatureFlagEvents`, when it gave a boolean (hostile options read as none). */
function perReadChoice(options: { sendFeatureFlagEvents?: boolean } | undefined): boolean | undefined {
  const choice = options !== null && typeof options === 'object' ? options.sendFeatureFlagEvents : undefined
  return typeof choice === 'boolean' ? choice : undefined
}
