/** Public types of the flag engine (re-exported by `engine.ts` and the package entry). */

/** Who a flag is evaluated for. */
export interface EvaluationSubject {
  distinctId: string
  /** Used by flags with `bucketing_identifier: "device_id"`. */
  deviceId?: string
  /** Group type name → group key, e.g. `{ company: "acme" }`. Integer keys hash as their decimal text. */
  groups?: Record<string, string | number>
  personProperties?: Record<string, unknown>
  /** Group type name → that group's properties. `$group_key` defaults to the group key. */
  groupProperties?: Record<string, Record<string, unknown>>
  /**
   * Server mode: flag key → the person's stored hash key for experience-continuity flags
   * (`ensure_experience_continuity`), hashed instead of the distinct id. Ignored locally.
   */
  hashKeys?: Readonly<Record<string, string>>
}

/** Any JSON value, as payloads decode to. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A flag's value: `true`/`false`, or the variant key of a multivariate flag. */
export type FlagValue = boolean | string

/** Why a flag has its value (PostHog's `/flags?v=2` reason codes, plus `flag_disabled`). */
export type ReasonCode =
  | 'condition_match'
  | 'no_condition_match'
  | 'out_of_rollout_bound'
  | 'no_group_type'
  | 'holdout_condition_value'
  | 'super_condition_value'
  | 'missing_dependency'
  | 'flag_disabled'

export interface FlagReason {
  code: ReasonCode
  /** The deciding condition (0-based), or null when no condition decided (holdout, disabled). */
  conditionIndex: number | null
  description: string
}

/**
 * One locally evaluated flag. Results are shared and frozen: the same object comes back for
 * every subject that lands on the same outcome, so treat it (and its payload) as read-only.
 */
export interface LocalFlagResult {
  key: string
  value: FlagValue
  enabled: boolean
  variant: string | null
  /** The payload, JSON-decoded (a string that is not JSON stays a string); undefined when none. */
  payload: unknown
  /** The payload exactly as stored in the definitions (a JSON-encoded string); undefined when none. */
  rawPayload: string | undefined
  reason: FlagReason
  id: number
  version: number | undefined
}

/** `inconclusive`: only the server can decide (the caller falls back to remote `/flags`). */
export type FlagEvaluation =
  | { kind: 'evaluated'; result: LocalFlagResult }
  | { kind: 'inconclusive'; why: string }
  | { kind: 'missing' }

export interface CompileOptions {
  /**
   * Synchronous SHA-1 (40 lowercase hex digits) to bucket with instead of the built-in one.
   * The built-in pure-TypeScript SHA-1 runs on every runtime and is faster than node:crypto's
   * `createHash` for these short inputs, so there is rarely a reason to pass one.
   * @default the built-in pure-TypeScript SHA-1
   */
  sha1Hex?: (input: string) => string
  /**
   * `local`: the SDK, which sees only the properties it is given (a missing property, a static
   * cohort, experience continuity, a missing dependency → inconclusive). `server`: an
   * authoritative server that holds all properties (missing means not set; fail closed).
   * @default 'local'
   */
  mode?: 'local' | 'server'
  /**
   * Clock for relative dates (`-7d`), in milliseconds since the epoch.
   * @default Date.now
   */
  now?: () => number
  /**
   * The project's IANA timezone, for definitions that do not carry one (`timezone` in the
   * definitions wins): naive dates are read, and relative dates computed, on its wall clock.
   * @default 'UTC'
   */
  timezone?: string
}

/** Definitions compiled for evaluation; opaque apart from the flag keys. */
export interface CompiledFlags {
  /** Flag keys in definitions order. */
  readonly keys: readonly string[]
  readonly size: number
  /** Group type index (as a string) → group type name. */
  readonly groupTypeMapping: Readonly<Record<string, string>>
  /** Whether the definitions were compiled for `local` (SDK) or `server` evaluation. */
  readonly mode: 'local' | 'server'
}
