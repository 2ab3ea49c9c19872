/**
 * `FeatureFlagEvaluations`: every flag of one subject evaluated once (`evaluateFlags`), read
 * many times with no further requests. Reading a value through `isEnabled`/`getFlag` records
 * an exposure (`$feature_flag_called`, deduplicated); passing the snapshot to
 * `capture({flags})` stamps `$feature/<key>` and `$active_feature_flags` on the event.
 *
 * The public class declares the API and costs nothing at start: only the flag service builds
 * snapshots, so the implementation (`FlagSnapshot` in `snapshot.ts`) comes with it, and
 * `instanceof FeatureFlagEvaluations` still holds for every snapshot.
 */
import type { UnresolvedFlagReason } from './flag-api.js'
import type { FlagKey, FlagPayloadOf, FlagSchema, FlagValueOf } from './flag-key-types.js'

/**
 * With a flag map (`PostHog<Flags>`'s `evaluateFlags`), keys, values and payloads are typed. The
 * default is `any`, which reads as untyped, so a typed snapshot is also a `FeatureFlagEvaluations`.
 * Created by `PostHog.evaluateFlags`.
 */
export abstract class FeatureFlagEvaluations<Flags extends FlagSchema<Flags> = any> {
  /** The flag keys in this snapshot. */
  abstract get keys(): string[]

  /** The distinct id the snapshot was evaluated for (`""` for an empty snapshot). */
  abstract get distinctId(): string

  /** Flags local evaluation could not resolve and the server did not answer, with why. */
  abstract get unresolvedFlags(): Readonly<Record<string, UnresolvedFlagReason>>

  /**
   * Whether the flag is on (a variant counts as on). `defaultValue` is returned only when the
   * flag is absent from the snapshot; a disabled flag is `false` whatever the default.
   */
  abstract isEnabled(key: FlagKey<Flags>, options?: { defaultValue?: boolean; sendFeatureFlagEvents?: boolean }): boolean

  /** The variant key, `true` or `false`; `undefined` when the flag is absent. */
  abstract getFlag<K extends FlagKey<Flags>>(key: K, options?: { sendFeatureFlagEvents?: boolean }): FlagValueOf<Flags, K> | undefined

  /** The decoded payload for the flag's value. Not an access: fires no event. */
  abstract getFlagPayload<K extends FlagKey<Flags>>(key: K): FlagPayloadOf<Flags, K> | undefined

  /** A copy holding only `keys`; unknown keys are dropped with a warning. */
  abstract only(keys: readonly FlagKey<Flags>[]): FeatureFlagEvaluations<Flags>

  /** A copy holding only the flags read so far through `isEnabled` or `getFlag`. */
  abstract onlyAccessed(): FeatureFlagEvaluations<Flags>

  /** `$feature/<key>` for every flag and `$active_feature_flags` (sorted) for `capture({flags})`. */
  abstract toEventProperties(): Record<string, unknown>

  /** posthog-node's name for `toEventProperties()`. */
  abstract _getEventProperties(): Record<string, unknown>
}
