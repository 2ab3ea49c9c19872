import { PostHog as PostHogCore } from './client.js'
import type { PostHogOptions } from './options.js'
import { nodeRuntime } from './runtime/node.js'
import { nodeCrashHooks } from './runtime/node-process-hooks.js'
import { exceptionModule } from './exceptions/exception-module.js'

/**
 * The hoglet client for Node.js, Bun and Deno: gzip through node:zlib, SHA-1 through
 * node:crypto, per-request context through AsyncLocalStorage.
 *
 * ```ts
 * const posthog = new PostHog('phc_...', { host: 'https://eu.i.posthog.com' })
 * posthog.capture({ distinctId: 'user-1', event: 'order completed', properties: { total: 42 } })
 * await posthog.shutdown()
 * ```
 */
export class PostHog extends PostHogCore {
  constructor(apiKey: string, options?: PostHogOptions) {
    super(apiKey, options, nodeRuntime)
    // enableExceptionAutocapture: watch uncaught exceptions and unhandled rejections without changing how Node exits.
    // The exception code comes with the hooks: a crash must be captured synchronously.
    this.attachCrashHooks(nodeCrashHooks, exceptionModule)
  }
}

export * from './public-exports.js'
