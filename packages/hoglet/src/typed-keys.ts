/**
 * Typed keys: the types `new PostHog<Flags, Events>()` checks with (the typed members are declared
 * on `PostHog` in `index.ts` and `edge.ts`). Types only, nothing at run time.
 *
 * Without type arguments (the defaults are `any`) every type here collapses to the untyped
 * signature (`string` keys, `FlagValue` values, `EventMessage`), so untyped code and posthog-node
 * code compile as before, and a typed client is assignable to a plain `PostHog`.
 */
import type { EventMessage } from './event.js'
import type { AllFlagsOptions, FeatureFlagResult, FlagCallOptions, FlagValue, FlagsAndPayloads } from './flags/flag-api.js'
import type { FlagKey, FlagPayloadOf, FlagSchema, FlagValueOf, FlagVariantOf, IsOpen } from './flags/flag-key-types.js'
import type { FeatureFlagEvaluations } from './flags/feature-flag-evaluations.js'

export type { FlagKey, FlagPayloadOf, FlagSchema, FlagSpec, FlagValueOf, FlagVariantOf } from './flags/flag-key-types.js'

/** The constraint on an event map: each event name's type is the object its properties have. */
export type EventSchema<Events> = { [K in keyof Events]: object }

/** PostHog's own `$`-prefixed properties stay allowed on every typed event. */
export type ReservedProperties = { [key: `$${string}`]: unknown }

type PropertiesField<P> = {} extends P ? { properties?: P & ReservedProperties } : { properties: P & ReservedProperties }

/**
 * The capture message for an event map: one member per event name, each with that event's
 * properties (required when the event has required properties). `EventMessage` when untyped.
 */
export type TypedEventMessage<Events> = IsOpen<Events> extends true
  ? EventMessage
  : {
      [N in Extract<keyof Events, string>]: Omit<EventMessage, 'event' | 'properties'> & { event: N } & PropertiesField<Events[N]>
    }[Extract<keyof Events, string>]

/** `getFeatureFlagResult`'s answer with the key's variant and payload types. */
export type TypedFeatureFlagResult<Flags, K> = IsOpen<Flags> extends true
  ? FeatureFlagResult
  : Omit<FeatureFlagResult, 'key' | 'variant' | 'payload'> & {
      key: K
      variant: FlagVariantOf<Flags, K> | undefined
      payload: FlagPayloadOf<Flags, K> | undefined
    }

/**
 * Values by key, as `getAllFlags` answers. As with the untyped `Record<string, FlagValue>`, a key
 * the answer lacks (a flag not evaluated) reads `undefined` at run time.
 */
export type TypedFlagValues<Flags> = IsOpen<Flags> extends true
  ? Record<string, FlagValue>
  : { [K in FlagKey<Flags>]: FlagValueOf<Flags, K> }

/** `getAllFlagsAndPayloads`'s answer with the map's value and payload types. */
export type TypedFlagsAndPayloads<Flags> = IsOpen<Flags> extends true
  ? FlagsAndPayloads
  : {
      featureFlags: TypedFlagValues<Flags>
      featureFlagPayloads: { [K in FlagKey<Flags>]: FlagPayloadOf<Flags, K> }
    }

/** `AllFlagsOptions` whose `flagKeys` are the map's keys. */
export type TypedAllFlagsOptions<Flags> = Omit<AllFlagsOptions, 'flagKeys'> & { flagKeys?: FlagKey<Flags>[] }

/** `evaluateFlags`' snapshot: typed by the map, or the plain (untyped) `FeatureFlagEvaluations`. */
export type TypedFlagEvaluations<Flags extends FlagSchema<Flags>> = IsOpen<Flags> extends true ? FeatureFlagEvaluations : FeatureFlagEvaluations<Flags>
