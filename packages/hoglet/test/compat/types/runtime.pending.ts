// Type-level compatibility: serverless runtime options.
import { PostHog } from 'posthog-compat-target'

const waitUntil = (promise: Promise<unknown>): void => void promise
new PostHog('phc_key', { waitUntil, waitUntilDebounceMs: 50, waitUntilMaxWaitMs: 500 })
