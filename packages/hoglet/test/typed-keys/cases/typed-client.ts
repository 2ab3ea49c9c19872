/**
 * Typed keys, checked by tsc (typed-keys.test.ts compiles this file against the built package).
 * Every `@ts-expect-error` line is a misuse that must fail; tsc also fails when one of them
 * compiles (an unused directive is an error). The other lines must compile, and `expectType`
 * pins the types the typed client answers with.
 */
import { PostHog, type FeatureFlagEvaluations } from 'hoglet'
import { PostHog as EdgePostHog } from 'hoglet/edge'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function expectType<T>(_value: T): <U>(check: Equal<T, U> extends true ? true : never) => void {
  return () => {}
}

type Checkout = { color: string; steps: number }

interface Flags {
  'beta-banner': { value: true }
  'checkout-flow': { value: 'control' | 'one-page'; payload: Checkout }
  'pricing-copy': { value: true; payload: string }
}

interface Events {
  'order completed': { total: number; currency?: string }
  'signed up': { plan: 'free' | 'pro' }
  'logged out': {}
}

const posthog = new PostHog<Flags, Events>('phc_test', { host: 'http://127.0.0.1:1' })

export async function usage(): Promise<void> {
  // Events: names and properties are checked.
  posthog.capture({ distinctId: 'u1', event: 'order completed', properties: { total: 42, currency: 'EUR' } })
  posthog.capture({ distinctId: 'u1', event: 'order completed', properties: { total: 1, $set: { plan: 'pro' } } })
  posthog.capture({ distinctId: 'u1', event: 'logged out' })
  await posthog.captureImmediate({ distinctId: 'u1', event: 'signed up', properties: { plan: 'pro' } })
  // @ts-expect-error an event name the map lacks
  posthog.capture({ distinctId: 'u1', event: 'order complete', properties: { total: 42 } })
  // @ts-expect-error a property of the wrong type
  posthog.capture({ distinctId: 'u1', event: 'order completed', properties: { total: '42' } })
  // @ts-expect-error a property the event does not have
  posthog.capture({ distinctId: 'u1', event: 'order completed', properties: { total: 42, coupon: 'X' } })
  // @ts-expect-error a required property missing
  posthog.capture({ distinctId: 'u1', event: 'order completed', properties: {} })
  // @ts-expect-error required properties and no properties at all
  posthog.capture({ distinctId: 'u1', event: 'signed up' })
  // @ts-expect-error a value outside the property's union
  await posthog.captureImmediate({ distinctId: 'u1', event: 'signed up', properties: { plan: 'enterprise' } })

  // Flags: keys, values, variants and payloads.
  expectType(await posthog.getFeatureFlag('checkout-flow', 'u1'))<'control' | 'one-page' | false | undefined>(true)
  expectType(await posthog.getFeatureFlag('beta-banner', 'u1'))<boolean | undefined>(true)
  expectType(await posthog.isFeatureEnabled('beta-banner', 'u1'))<boolean | undefined>(true)
  expectType(await posthog.getFeatureFlagPayload('checkout-flow', 'u1'))<Checkout | null | undefined>(true)
  expectType(await posthog.getFeatureFlagPayload('pricing-copy', 'u1', true))<string | null | undefined>(true)
  expectType(await posthog.getFeatureFlagPayload('beta-banner', 'u1'))<import('hoglet').JsonValue | null | undefined>(true)
  const result = await posthog.getFeatureFlagResult('checkout-flow', 'u1')
  expectType(result?.variant)<'control' | 'one-page' | undefined>(true)
  expectType(result?.payload)<Checkout | undefined>(true)
  expectType(result?.key)<'checkout-flow' | undefined>(true)
  const all = await posthog.getAllFlags('u1', { flagKeys: ['beta-banner', 'checkout-flow'] })
  expectType(all['checkout-flow'])<'control' | 'one-page' | false>(true)
  const both = await posthog.getAllFlagsAndPayloads('u1')
  expectType(both.featureFlagPayloads['checkout-flow'])<Checkout>(true)
  const snapshot = await posthog.evaluateFlags('u1')
  expectType(snapshot)<FeatureFlagEvaluations<Flags>>(true)
  expectType(snapshot.getFlag('checkout-flow'))<'control' | 'one-page' | false | undefined>(true)
  expectType(snapshot.getFlagPayload('pricing-copy'))<string | undefined>(true)
  expectType(snapshot.only(['beta-banner']).isEnabled('beta-banner'))<boolean>(true)
  posthog.capture({ distinctId: 'u1', event: 'logged out', flags: snapshot })

  // @ts-expect-error a flag key the map lacks
  await posthog.getFeatureFlag('checkout-flwo', 'u1')
  // @ts-expect-error a flag key the map lacks
  await posthog.isFeatureEnabled('beta', 'u1')
  // @ts-expect-error a flag key the map lacks
  await posthog.getFeatureFlagResult('nope')
  // @ts-expect-error a variant the flag does not have
  await posthog.getFeatureFlagPayload('checkout-flow', 'u1', 'two-page')
  // @ts-expect-error a flag key the map lacks, in flagKeys
  await posthog.getAllFlags('u1', { flagKeys: ['beta-banner', 'typo'] })
  // @ts-expect-error a key the answer does not have
  all['typo']
  // @ts-expect-error a flag key the map lacks, on the snapshot
  snapshot.isEnabled('typo')
  // @ts-expect-error a flag key the map lacks, in only()
  snapshot.only(['typo'])
  const variant = await posthog.getFeatureFlag('checkout-flow', 'u1')
  // @ts-expect-error a comparison with a variant the flag does not have
  if (variant === 'two-page') return
  const payload = await posthog.getFeatureFlagPayload('checkout-flow', 'u1')
  // @ts-expect-error a payload field the type does not have
  payload?.colour

  // The edge entry has the same typed members.
  const edge = new EdgePostHog<Flags, Events>('phc_test')
  expectType(await edge.getFeatureFlag('checkout-flow', 'u1'))<'control' | 'one-page' | false | undefined>(true)
  // @ts-expect-error an event name the map lacks, on the edge entry
  edge.capture({ distinctId: 'u1', event: 'nope' })
}

// A payload declared as an interface is refused where the map is used.
interface InterfacePayload {
  color: string
}
interface BadFlags {
  'checkout-flow': { value: 'control'; payload: InterfacePayload }
}
// @ts-expect-error payload types are JSON: an interface has no index signature
export const refused = new PostHog<BadFlags>('phc_test')

// Only flags typed: events stay untyped.
const flagsOnly = new PostHog<Flags>('phc_test')
flagsOnly.capture({ distinctId: 'u1', event: 'anything', properties: { any: 'thing' } })
// @ts-expect-error still checks the flag keys
void flagsOnly.getFeatureFlag('typo', 'u1')

// A typed client goes wherever a client goes.
import { setupExpressErrorHandler } from 'hoglet'
import { HogletProvider } from 'hoglet/openfeature'
import { hogletHono } from 'hoglet/hono'
export const untypedView: PostHog = posthog
export const provider = new HogletProvider(posthog)
export const middleware = hogletHono(posthog)
export function wire(app: Parameters<typeof setupExpressErrorHandler>[1]): void {
  setupExpressErrorHandler(posthog, app)
}
