import { PostHog as PostHogCore } from './client.js'
import type { PostHogOptions } from './options.js'
import type {
  EventSchema,
  FlagKey,
  FlagPayloadOf,
  FlagSchema,
  FlagValueOf,
  TypedAllFlagsOptions,
  TypedEventMessage,
  TypedFeatureFlagResult,
  TypedFlagEvaluations,
  TypedFlagValues,
  TypedFlagsAndPayloads,
} from './typed-keys.js'
import type { FlagCallOptions } from './flags/flag-api.js'
import { webRuntime } from './runtime/web.js'

/**
 * The hoglet client for web-standard runtimes (Cloudflare Workers, Vercel Edge, Deno Deploy):
 * gzip through CompressionStream, no Node APIs (flag hashing uses the engine's own SHA-1).
 * Selected automatically through the `workerd`, `edge-light` and `browser` export conditions,
 * or imported explicitly from `hoglet/edge`.
 */
export class PostHog<Flags extends FlagSchema<Flags> = any, Events extends EventSchema<Events> = any> extends PostHogCore {
  constructor(apiKey: string, options?: PostHogOptions) {
    super(apiKey, options, webRuntime)
  }
}

export * from './public-exports.js'

/**
 * With type arguments (`new PostHog<MyFlags, MyEvents>(...)`), flag keys, their values and
 * payloads, and event names with their properties are checked; without them every signature is
 * the untyped one (the types are in `typed-keys.ts`). Keep in step with the other entry.
 */
export interface PostHog<Flags extends FlagSchema<Flags> = any, Events extends EventSchema<Events> = any> {
  capture(message: TypedEventMessage<Events>): ReturnType<PostHogCore['capture']>
  captureImmediate(message: TypedEventMessage<Events>): ReturnType<PostHogCore['captureImmediate']>
  isFeatureEnabled(key: FlagKey<Flags>, distinctId: string, options?: FlagCallOptions): Promise<boolean | undefined>
  getFeatureFlag<K extends FlagKey<Flags>>(key: K, distinctId: string, options?: FlagCallOptions): Promise<FlagValueOf<Flags, K> | undefined>
  getFeatureFlagPayload<K extends FlagKey<Flags>>(key: K, distinctId: string, matchValue?: FlagValueOf<Flags, K>, options?: FlagCallOptions): Promise<FlagPayloadOf<Flags, K> | null | undefined>
  getFeatureFlagResult<K extends FlagKey<Flags>>(key: K, options?: FlagCallOptions): Promise<TypedFeatureFlagResult<Flags, K> | undefined>
  getFeatureFlagResult<K extends FlagKey<Flags>>(key: K, distinctId: string, options?: FlagCallOptions): Promise<TypedFeatureFlagResult<Flags, K> | undefined>
  getAllFlags(options?: TypedAllFlagsOptions<Flags>): Promise<TypedFlagValues<Flags>>
  getAllFlags(distinctId: string, options?: TypedAllFlagsOptions<Flags>): Promise<TypedFlagValues<Flags>>
  getAllFlagsAndPayloads(options?: TypedAllFlagsOptions<Flags>): Promise<TypedFlagsAndPayloads<Flags>>
  getAllFlagsAndPayloads(distinctId: string, options?: TypedAllFlagsOptions<Flags>): Promise<TypedFlagsAndPayloads<Flags>>
  evaluateFlags(options?: TypedAllFlagsOptions<Flags>): Promise<TypedFlagEvaluations<Flags>>
  evaluateFlags(distinctId: string, options?: TypedAllFlagsOptions<Flags>): Promise<TypedFlagEvaluations<Flags>>
}
