import { afterEach, beforeEach } from 'vitest'
import { PostHog, type PostHogOptions } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import { createTestServer, type TestServer } from './test-server.js'

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

/** What {@link serverPerTest} gives a test file. */
export interface ServerPerTest {
  /** The running test's recording server: each test gets a fresh one behind this same object. */
  readonly server: TestServer
  /** A client on that server (`clientFor` with the defaults, then `options`), shut down after the test. */
  client(options?: PostHogOptions): PostHog
  /** Shuts a client built some other way down after the test too; returns it. */
  track<C extends PostHog>(client: C): C
}

/**
 * The set-up most client test files share: a fresh recording server before each test; after
 * it, every client the test made or tracked shut down (each within `shutdownMs`), then the
 * server closed. Call it at the top of a file or a `describe`. After-hooks run in reverse
 * order of registration, so an `afterEach` registered before this call runs once the clients
 * are shut down and the server closed, and one registered after it runs before.
 */
export function serverPerTest(defaults: PostHogOptions = {}, { shutdownMs = 2000 } = {}): ServerPerTest {
  let live: TestServer | undefined
  const clients: PostHog[] = []
  const current = (): TestServer => {
    if (live === undefined) throw new Error('the per-test server exists only while a test runs')
    return live
  }
  beforeEach(async () => {
    live = await createTestServer()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.shutdown(shutdownMs)))
    await current().close()
    live = undefined
  })
  const server: TestServer = {
    get url() {
      return current().url
    },
    get port() {
      return current().port
    },
    get requests() {
      return current().requests
    },
    requestsTo: (pathPrefix) => current().requestsTo(pathPrefix),
    route: (pathPrefix, handler) => current().route(pathPrefix, handler),
    enqueue: (pathPrefix, ...responses) => current().enqueue(pathPrefix, ...responses),
    waitForRequests: (pathPrefix, count, timeoutMs) => current().waitForRequests(pathPrefix, count, timeoutMs),
    close: () => current().close(),
  }
  const track = <C extends PostHog>(client: C): C => {
    clients.push(client)
    return client
  }
  return { server, client: (options = {}) => track(clientFor(server, { ...defaults, ...options })), track }
}
