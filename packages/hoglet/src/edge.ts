import { PostHog as PostHogCore } from './client.js'
import type { PostHogOptions } from './options.js'
import { webRuntime } from './runtime/web.js'

/**
 * The hoglet client for web-standard runtimes (Cloudflare Workers, Vercel Edge, Deno Deploy):
 * gzip through CompressionStream, a synchronous pure-JS SHA-1 for flag hashing, no Node APIs.
 * Selected automatically through the `workerd`, `edge-light` and `browser` export conditions,
 * or imported explicitly from `hoglet/edge`.
 */
export class PostHog extends PostHogCore {
  constructor(apiKey: string, options?: PostHogOptions) {
    super(apiKey, options, webRuntime)
  }
}

export * from './public-exports.js'
