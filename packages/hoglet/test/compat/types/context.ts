// Type-level compatibility: request context.
import { PostHog } from 'posthog-compat-target'

const posthog = new PostHog('phc_key')

const result: number = posthog.withContext({ distinctId: 'user-1', sessionId: 's-1', properties: { plan: 'pro' } }, () => {
  posthog.capture({ event: 'in context' })
  return 42
})
void result

async function nested(): Promise<string> {
  return posthog.withContext(
    { distinctId: 'user-1' },
    async () => {
      await posthog.withContext({ properties: { step: 2 } }, async () => posthog.capture({ event: 'nested' }))
      return 'done'
    },
    { fresh: true },
  )
}
void nested

const controller = new AbortController()
posthog.withContext({ distinctId: 'user-1' }, () => posthog.capture({ event: 'bounded' }), { signal: controller.signal })
posthog.withContext({}, () => undefined)
posthog.enterContext({ distinctId: 'user-2' })
posthog.enterContext({ sessionId: 's-2', properties: { a: 1 } }, { fresh: true })
const context = posthog.getContext()
const distinctId: string | undefined = context?.distinctId
const sessionId: string | undefined = context?.sessionId
const plan: unknown = context?.properties?.plan
void [distinctId, sessionId, plan]
