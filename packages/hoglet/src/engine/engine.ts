/**
 * The local flag engine: definitions are compiled once per load, then every evaluation is
 * synchronous and allocates little beyond its result. Pure: no I/O, no timers, no globals.
 *
 * Also published as `hoglet/engine`, so a server (hoglet-server) can evaluate flags with
 * exactly the SDK's implementation without loading the client.
 */
export { compileFlags } from './compile.js'
export { evaluateAllFlags, evaluateFlag } from './evaluate.js'
export { sha1Hex } from './sha1.js'
export { createRegexBudget, EVALUATION_STEP_BUDGET, type RegexBudget } from './operators-regex.js'
export { PERSON_METADATA_PREFIX } from './compile-filters.js'
export type {
  CompileOptions,
  CompiledFlags,
  EvaluationSubject,
  FlagEvaluation,
  FlagReason,
  FlagValue,
  LocalFlagResult,
  ReasonCode,
} from './engine-types.js'
export type { EvaluationMode } from './operators.js'
export type * from './types.js'
