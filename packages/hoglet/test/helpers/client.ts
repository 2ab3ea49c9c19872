import { PostHog, type PostHogOptions } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import type { TestServer } from './test-server.js'

/** A client pointed at a loopback test server, silent, with fast retries unless overridden. */
export function clientFor(server: TestServer, options: PostHogOptions = {}): PostHog {
  return new PostHog('phc_test', {
    host: server.url,
    logger: silentLogger,
    flushInterval: 0,
    fetchRetryDelay: 5,
    ...options,
  })
}

/** Every event the server received on `path`, in order. */
export function receivedEvents(server: TestServer, path = '/batch/'): any[] {
  return server.requestsTo(path).flatMap((r) => (r.json?.batch as any[]) ?? [])
}
