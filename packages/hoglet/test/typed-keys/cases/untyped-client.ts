/**
 * Without type arguments nothing changes: any key and event name, the untyped answer types
 * (compiled by typed-keys.test.ts; every line must compile and every `expectType` hold), and
 * subclasses keep working.
 */
import { PostHog, type EventMessage, type FeatureFlagEvaluations, type FeatureFlagResult, type FlagValue, type FlagsAndPayloads, type JsonValue } from 'hoglet'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function expectType<T>(_value: T): <U>(check: Equal<T, U> extends true ? true : never) => void {
  return () => {}
}

const posthog = new PostHog('phc_test', { host: 'http://127.0.0.1:1' })

export async function usage(key: string, message: EventMessage): Promise<void> {
  posthog.capture(message)
  posthog.capture({ distinctId: 'u1', event: key, properties: { anything: [1, 2], 3: 'numeric key' } })
  expectType(await posthog.getFeatureFlag(key, 'u1'))<FlagValue | undefined>(true)
  expectType(await posthog.getFeatureFlagPayload(key, 'u1', 'any-variant'))<JsonValue | null | undefined>(true)
  expectType(await posthog.getFeatureFlagResult(key, 'u1'))<FeatureFlagResult | undefined>(true)
  expectType(await posthog.getAllFlags('u1', { flagKeys: [key] }))<Record<string, FlagValue>>(true)
  expectType(await posthog.getAllFlagsAndPayloads('u1'))<FlagsAndPayloads>(true)
  const snapshot = await posthog.evaluateFlags('u1')
  expectType(snapshot)<FeatureFlagEvaluations>(true)
  expectType(snapshot.getFlag(key))<FlagValue | undefined>(true)
  expectType(snapshot.getFlagPayload(key))<JsonValue | undefined>(true)
  // A variable typed with the bare class name holds either kind of client.
  const holder: PostHog = posthog
  const typed: PostHog = new PostHog<{ a: { value: true } }>('phc_test')
  void holder
  void typed
}

// Subclassing stays as it was, untyped or typed.
export class AppClient extends PostHog {
  track(event: string): void {
    this.capture({ distinctId: 'u1', event })
  }
}
export class TypedAppClient extends PostHog<{ 'beta-banner': { value: true } }, { 'signed up': { plan: string } }> {
  signUp(plan: string): void {
    this.capture({ distinctId: 'u1', event: 'signed up', properties: { plan } })
    // @ts-expect-error the subclass keeps its type arguments
    this.capture({ distinctId: 'u1', event: 'signed out' })
  }
}
