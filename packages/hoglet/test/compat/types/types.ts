// Type-level compatibility: posthog-node's exported type names (analytics, lifecycle, options).
import type {
  BeforeSendFn,
  EventMessage,
  GroupIdentifyMessage,
  IdentifyMessage,
  IPostHog,
  PostHogOptions,
  SendFeatureFlagsOptions,
  SetPersonPropertiesMessage,
  UnsetPersonPropertiesMessage,
} from 'posthog-compat-target'
import { PostHog, uuidv7 } from 'posthog-compat-target'

const event: EventMessage = { distinctId: 'u', event: 'e', properties: { a: 1 }, groups: { company: 'acme' }, timestamp: new Date(), uuid: uuidv7() }
const identify: IdentifyMessage = { distinctId: 'u', properties: { a: 1 }, disableGeoip: true }
const group: GroupIdentifyMessage = { groupType: 'company', groupKey: 'acme', properties: { name: 'Acme' }, distinctId: 'u', disableGeoip: false }
const set: SetPersonPropertiesMessage = { distinctId: 'u', properties: { a: 1 }, propertiesOnce: { b: 2 } }
const unset: UnsetPersonPropertiesMessage = { distinctId: 'u', properties: ['a', 'b'] }
const unsetOne: UnsetPersonPropertiesMessage = { distinctId: 'u', properties: 'a' }
const sendFlags: SendFeatureFlagsOptions = { onlyEvaluateLocally: true, personProperties: { plan: 'pro' }, groupProperties: { company: { size: 1 } }, flagKeys: ['f'] }
const hook: BeforeSendFn = (message) => (message ? { ...message, properties: { ...message.properties, app: 'web' } } : null)
const options: PostHogOptions = { host: 'https://us.i.posthog.com', before_send: hook }

// A service that depends on the interface, given the concrete client.
function useClient(client: IPostHog): void {
  client.capture(event)
  client.identify(identify)
  client.groupIdentify(group)
  client.setPersonProperties(set)
  client.unsetPersonProperties(unset)
  client.unsetPersonProperties(unsetOne)
  client.capture({ ...event, sendFeatureFlags: sendFlags })
  void client.shutdown()
}
useClient(new PostHog('phc_key', options))

const id: string = uuidv7()
void id
