/**
 * The flag half of typed keys (see `typed-keys.ts`): a flag map's keys, values and payloads.
 * Types only. Each collapses to the untyped form when the map has `string` keys.
 */
import type { FlagValue, JsonValue } from './flag-api.js'

/**
 * One flag's type: `value` is what the flag answers when it matches (`true` for a boolean flag,
 * the variant keys of a multivariate one; a non-match answers `false`), `payload` the type of its
 * JSON payload (omitted: any JSON value).
 */
export interface FlagSpec {
  value: FlagValue
  /** Payloads are JSON: write their types as type literals (`type`), which JSON values accept; an `interface` is refused. */
  payload?: JsonValue
}

/**
 * The constraint on a flag map: each key's type is a {@link FlagSpec}. Written as a mapped type so
 * an `interface` (which has no index signature) satisfies it.
 */
export type FlagSchema<Flags> = { [K in keyof Flags]: FlagSpec }

/** Whether a key map is open (`string` keys, or `any`): the untyped case. */
export type IsOpen<M> = string extends keyof M ? true : false

/** The flag keys a client accepts: the map's keys, or any string when the map is open. */
export type FlagKey<Flags> = IsOpen<Flags> extends true ? string : Extract<keyof Flags, string>

/** What a flag call answers for one key: its matched value or `false` (`FlagValue` when untyped). */
export type FlagValueOf<Flags, K> = IsOpen<Flags> extends true
  ? FlagValue
  : K extends keyof Flags
    ? (Flags[K] extends { value: infer V extends FlagValue } ? V : FlagValue) | false
    : never

/** The payload type of one key (`JsonValue` when untyped or when the spec names none). */
export type FlagPayloadOf<Flags, K> = IsOpen<Flags> extends true
  ? JsonValue
  : K extends keyof Flags
    ? Flags[K] extends { payload: infer P extends JsonValue }
      ? P
      : JsonValue
    : never

/** The variant keys of one flag (`string` when untyped or when the flag has no string values). */
export type FlagVariantOf<Flags, K> = IsOpen<Flags> extends true
  ? string
  : Extract<FlagValueOf<Flags, K>, string> extends never
    ? string
    : Extract<FlagValueOf<Flags, K>, string>
