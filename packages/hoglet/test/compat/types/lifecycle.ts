// Type-level compatibility: flushing, shutdown, events, consent, debugging, SDK identity.
import { PostHog } from 'posthog-compat-target'

const posthog = new PostHog('phc_key', { host: 'http://127.0.0.1:1' })

class Analytics {
  readonly client = new PostHog('phc_key')
  stop(): Promise<void> {
    return this.client.shutdown()
  }
  async stopWithin(ms: number): Promise<void> {
    return this.client.shutdown(ms)
  }
  flushNow(): Promise<void> {
    return this.client.flush()
  }
}
void Analytics

async function lifecycle(): Promise<void> {
  await posthog.flush()
  await posthog.shutdown()
  await posthog.shutdown(5000)
  const p: Promise<void> = posthog.shutdown()
  await p
  process.on('SIGTERM', async () => {
    await posthog.shutdown()
    process.exit(0)
  })
  const done: () => Promise<void> = () => posthog.shutdown()
  await done()
}
void lifecycle

// events
const off: () => void = posthog.on('flush', (messages: any) => console.log(messages))
off()
posthog.on('capture', (message: any) => console.log(message.event))
posthog.on('identify', (message: any) => console.log(message))
posthog.on('alias', (message: any) => console.log(message))
posthog.on('error', (error: any) => console.error(error))
posthog.on('localEvaluationFlagsLoaded', (count: number) => console.log(count))

// consent and debugging
async function consent(): Promise<void> {
  await posthog.optIn()
  await posthog.optOut()
  await posthog.enable()
  await posthog.disable()
  const optedOut: boolean = posthog.optedOut
  const disabled: boolean = posthog.isDisabled
  void optedOut
  void disabled
}
void consent
posthog.debug()
posthog.debug(true)
posthog.debug(false)
const isDebug: boolean = posthog.isDebug
void isDebug

// identity and settings
const libraryId: string = posthog.getLibraryId()
const libraryVersion: string = posthog.getLibraryVersion()
const userAgent: string = posthog.getCustomUserAgent()
const apiKey: string = posthog.apiKey
const projectToken: string = posthog.projectToken
const host: string = posthog.host
const flushAt: number = posthog.flushAt
const privacyMode: boolean = posthog.privacyMode
const fullAi: boolean = posthog.enableFullAiCapture
const optionsHost: string | undefined = posthog.options.host
void [libraryId, libraryVersion, userAgent, apiKey, projectToken, host, flushAt, privacyMode, fullAi, optionsHost]

const tracked: Promise<number> = posthog.addPendingPromise(Promise.resolve(1))
void tracked
