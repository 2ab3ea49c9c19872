// Type-level compatibility: capture, person and group calls exactly as posthog-node 5.x declares
// them. Compiled against posthog-node and against hoglet by ../type-compat.test.ts; the neutral
// module name is mapped to one library or the other.
import { PostHog, type EventMessage, type IdentifyMessage, type GroupIdentifyMessage } from 'posthog-compat-target'

const posthog = new PostHog('phc_key', { host: 'http://127.0.0.1:1' })

// capture: every field of EventMessage
posthog.capture({ distinctId: 'user-1', event: 'order completed' })
posthog.capture({
  distinctId: 'user-1',
  event: 'order completed',
  properties: { total: 42, items: ['a'], nested: { deep: true }, 1: 'numeric key' },
  groups: { company: 'acme', team: 7 },
  timestamp: new Date(),
  uuid: '0190f5c8-3a4b-7c2d-8e9f-0a1b2c3d4e5f',
  disableGeoip: false,
  sendFeatureFlags: true,
})
posthog.capture({ distinctId: 'user-1', event: 'signup', sendFeatureFlags: { onlyEvaluateLocally: true, personProperties: { plan: 'pro' }, groupProperties: { company: { size: 5 } }, flagKeys: ['a'] } })
posthog.capture({ event: 'no distinct id' })
const message: EventMessage = { distinctId: 'user-1', event: 'built elsewhere', properties: { a: 1 } }
posthog.capture(message)
const readBack: unknown = message.properties?.a
void readBack

// statements and void-typed callbacks
const track: (event: string) => void = (event) => posthog.capture({ distinctId: 'u', event })
track('x')
const handlers: Array<() => void> = [() => posthog.capture({ distinctId: 'u', event: 'e' })]
void handlers

async function immediate(): Promise<void> {
  await posthog.captureImmediate({ distinctId: 'user-1', event: 'sent now', properties: { a: 1 } })
  await posthog.identifyImmediate({ distinctId: 'user-1', properties: { email: 'a@b.c' } })
  await posthog.aliasImmediate({ distinctId: 'user-1', alias: 'anon-1' })
  await posthog.aliasImmediate({ distinctId: 'user-1', alias: 'anon-1', disableGeoip: true })
  await posthog.groupIdentifyImmediate({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme' } })
  const aiUuid: string | undefined = await posthog.captureAiImmediate({ distinctId: 'user-1', event: '$ai_generation' })
  void aiUuid
}
void immediate

const aiId: string | undefined = posthog.captureAi({ distinctId: 'user-1', event: '$ai_generation', properties: { $ai_model: 'm' } })
void aiId

// identify / alias / groups / person properties
posthog.identify({ distinctId: 'user-1' })
posthog.identify({ distinctId: 'user-1', properties: { email: 'a@b.c', $set: { plan: 'pro' }, $set_once: { first: 1 }, $anon_distinct_id: 'anon' }, disableGeoip: true })
const identifyMessage: IdentifyMessage = { distinctId: 'user-1', properties: { name: 'Ada' } }
posthog.identify(identifyMessage)
posthog.alias({ distinctId: 'user-1', alias: 'anon-1' })
posthog.alias({ distinctId: 'user-1', alias: 'anon-1', disableGeoip: true })
posthog.groupIdentify({ groupType: 'company', groupKey: 'acme' })
posthog.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme' }, distinctId: 'user-1', disableGeoip: true })
const group: GroupIdentifyMessage = { groupType: 'company', groupKey: 'acme' }
posthog.groupIdentify(group)
posthog.setPersonProperties({ distinctId: 'user-1', properties: { plan: 'pro' } })
posthog.setPersonProperties({ distinctId: 'user-1', propertiesOnce: { first_seen: '2024' } })
posthog.setPersonProperties({ distinctId: 'user-1', properties: { a: 1 }, propertiesOnce: { b: 2 } })
posthog.unsetPersonProperties({ distinctId: 'user-1', properties: 'plan' })
posthog.unsetPersonProperties({ distinctId: 'user-1', properties: ['plan', 'trial'] })

// super properties
async function superProperties(): Promise<void> {
  await posthog.register({ app: 'web' })
  await posthog.unregister('app')
  void posthog.register({ a: 1 }).then(() => undefined)
}
void superProperties

// exceptions
try {
  throw new Error('boom')
} catch (error) {
  posthog.captureException(error)
  posthog.captureException(error, 'user-1')
  posthog.captureException(error, 'user-1', { orderId: 1 })
  posthog.captureException(error, undefined, { orderId: 1 }, '0190f5c8-3a4b-7c2d-8e9f-0a1b2c3d4e5f')
}

// Return types users rely on: the calls' results returned from functions declared void or
// Promise<void> (posthog-node's return types), and a result that is nothing to test.
function trackOrder(distinctId: string): void {
  return posthog.capture({ distinctId, event: 'order completed' })
}
function identifyUser(distinctId: string): void {
  return posthog.identify({ distinctId, properties: { plan: 'pro' } })
}
function linkAnonymous(distinctId: string): void {
  return posthog.alias({ distinctId, alias: 'anon-1' })
}
function describeCompany(): void {
  return posthog.groupIdentify({ groupType: 'company', groupKey: 'acme' })
}
function setPlan(distinctId: string): void {
  return posthog.setPersonProperties({ distinctId, properties: { plan: 'pro' } })
}
function clearPlan(distinctId: string): void {
  return posthog.unsetPersonProperties({ distinctId, properties: ['plan'] })
}
function reportFailure(error: unknown): void {
  return posthog.captureException(error, 'user-1')
}
function sendNow(distinctId: string): Promise<void> {
  return posthog.captureImmediate({ distinctId, event: 'now' })
}
function identifyNow(distinctId: string): Promise<void> {
  return posthog.identifyImmediate({ distinctId, properties: {} })
}
function aliasNow(distinctId: string): Promise<void> {
  return posthog.aliasImmediate({ distinctId, alias: 'anon-2' })
}
function groupNow(): Promise<void> {
  return posthog.groupIdentifyImmediate({ groupType: 'company', groupKey: 'acme' })
}
function reportFailureNow(error: unknown): Promise<void> {
  return posthog.captureExceptionImmediate(error, 'user-1')
}
const results: void[] = [trackOrder('u'), identifyUser('u'), linkAnonymous('u'), describeCompany(), setPlan('u'), clearPlan('u'), reportFailure(new Error('x'))]
const sent: Array<Promise<void>> = [sendNow('u'), identifyNow('u'), aliasNow('u'), groupNow(), reportFailureNow(new Error('y'))]
void results
void sent
