/**
 * Wire types of PostHog's local-evaluation definitions
 * (`GET /flags/definitions?token=…&send_cohorts`, or the legacy
 * `/api/feature_flag/local_evaluation`). Everything is optional-tolerant: the engine
 * validates shapes at compile time and treats what it cannot understand as undecidable.
 */

/** The whole 200 body of `/flags/definitions`. */
export interface FlagDefinitionsResponse {
  flags: FlagDefinition[]
  /** Group type index (as a string) → group type name, e.g. `{ "0": "company" }`. */
  group_type_mapping?: Record<string, string>
  /** Cohort id (as a string) → its property group. Present with `send_cohorts`. */
  cohorts?: Record<string, PropertyGroup>
  /** Present (true) only when the project opted into minimal `$feature_flag_called` events. */
  minimal_flag_called_events?: boolean
  /**
   * The project's IANA timezone, in which the server reads naive and relative dates. hoglet-server
   * includes it; when absent, the `timezone` compile option (default UTC) is used.
   */
  timezone?: string
}

/** One feature flag as served for local evaluation. */
export interface FlagDefinition {
  id: number
  key: string
  name?: string
  team_id?: number
  version?: number
  active?: boolean
  deleted?: boolean
  filters?: FlagFilters | null
  /** The server keeps a per-person hash override; a local evaluator cannot, so it defers. */
  ensure_experience_continuity?: boolean
  has_experiment?: boolean
  has_encrypted_payloads?: boolean
  /** `"device_id"` buckets rollouts and variants by the device id instead of the distinct id. */
  bucketing_identifier?: BucketingIdentifier | null
  evaluation_runtime?: string
  evaluation_tags?: string[]
  /** Legacy top-level rollout; ignored (conditions carry their own). */
  rollout_percentage?: number | null
}

export type BucketingIdentifier = 'distinct_id' | 'device_id'

export interface FlagFilters {
  /** Conditions, tried in order; the first that matches (properties and rollout) wins. */
  groups?: FlagCondition[]
  multivariate?: { variants: FlagVariant[] } | null
  /** `"true"` or a variant key → JSON-encoded payload string. */
  payloads?: Record<string, string | unknown>
  /** Set when the flag aggregates by a group type instead of by person. */
  aggregation_group_type_index?: number | null
  /** Stop at the first rollout miss instead of trying later conditions. */
  early_exit?: boolean
  holdout?: FlagHoldout | null
  bucketing_identifier?: BucketingIdentifier | null
  /** Early-access enrollment: when the person has the enrollment property, it decides the flag. */
  super_groups?: FlagCondition[]
  /** Older holdout form: `[{ properties: [], rollout_percentage: <exclusion>, variant: "holdout-<id>" }]`. */
  holdout_groups?: FlagCondition[]
}

export interface FlagCondition {
  properties?: PropertyFilter[] | null
  /** Percentage 0–100; null or absent means 100. */
  rollout_percentage?: number | null
  /** Forces this variant when the condition matches (only if it names a declared variant). */
  variant?: string | null
  /** Mixed targeting: this condition aggregates by its own group type (null: by person). */
  aggregation_group_type_index?: number | null
}

export interface FlagVariant {
  key: string
  name?: string
  rollout_percentage: number
}

export interface FlagHoldout {
  id: number
  exclusion_percentage: number
}

export type PropertyFilterType = 'person' | 'group' | 'cohort' | 'flag' | (string & {})

/** One property filter of a condition or of a cohort. */
export interface PropertyFilter {
  key: string
  value?: unknown
  operator?: PropertyOperator | null
  type?: PropertyFilterType
  /** For `type: "group"`: which group type's properties to read. */
  group_type_index?: number | null
  /** Inside cohorts: invert this filter's result. */
  negation?: boolean
  /** For `type: "flag"`: the flags to evaluate first, in order (empty means a cycle). */
  dependency_chain?: string[]
}

export type PropertyOperator =
  | 'exact'
  | 'is_not'
  | 'is_set'
  | 'is_not_set'
  | 'icontains'
  | 'not_icontains'
  | 'icontains_multi'
  | 'not_icontains_multi'
  | 'regex'
  | 'not_regex'
  | 'starts_with'
  | 'not_starts_with'
  | 'ends_with'
  | 'not_ends_with'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'not_between'
  | 'is_date_before'
  | 'is_date_after'
  | 'is_date_exact'
  | 'semver_eq'
  | 'semver_neq'
  | 'semver_gt'
  | 'semver_gte'
  | 'semver_lt'
  | 'semver_lte'
  | 'semver_tilde'
  | 'semver_caret'
  | 'semver_wildcard'
  | 'in'
  | 'not_in'
  | 'flag_evaluates_to'
  | (string & {})

/** A cohort definition: nested AND/OR groups whose leaves are property filters. */
export interface PropertyGroup {
  type: 'AND' | 'OR'
  values: Array<PropertyGroup | PropertyFilter>
}
