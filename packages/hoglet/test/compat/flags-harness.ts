/**
 * Runs one flag scenario against posthog-node and against hoglet, each with its own recording
 * loopback server answering the same routes, and returns what each returned and sent, with
 * the fields that differ by nature (uuids, clocks, library name and version) normalised.
 */
import { readFileSync } from 'node:fs'
import { PostHog as PostHogNode } from 'posthog-node'
import { PostHog as Hoglet } from '../../src/index.js'
import { silentLogger } from '../../src/logger.js'
import { createTestServer, type RecordedRequest, type TestServer } from '../helpers/test-server.js'

export type Lib = 'hoglet' | 'posthog-node'
export const LIBS: readonly Lib[] = ['posthog-node', 'hoglet']

export interface Side {
  lib: Lib
  // Both libraries are driven through the same calls; their types are checked in compat/types.
  client: any
  server: TestServer
}

export interface Outcome {
  value: unknown
  /** Bodies of the `/flags` requests, in order. */
  flagsRequests: unknown[]
  definitionsRequests: number
  /** Events delivered to `/batch/`, normalised. */
  events: Array<{ event: string; distinct_id: string; properties: Record<string, unknown> }>
}

export interface ScenarioSetup {
  /** Definitions served to local evaluation; omit for a client without a secret key. */
  definitions?: unknown
  /** `/flags` answer for the requested keys (honours `flag_keys_to_evaluate` like PostHog). */
  remoteFlags?: Record<string, unknown>
  remoteExtra?: Record<string, unknown>
  /** Replaces the `/flags` route entirely. */
  flagsRoute?: (req: RecordedRequest) => { status?: number; body?: unknown }
  options?: Record<string, unknown>
}

const CLOCK_FIELDS = ['$feature_flag_evaluated_at', '$feature_flag_definitions_loaded_at']
const LIB_FIELDS = ['$lib', '$lib_version']

function normaliseProperties(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(props)) {
    if (LIB_FIELDS.includes(k)) continue
    out[k] = CLOCK_FIELDS.includes(k) && typeof v === 'number' ? '<epoch ms>' : v
  }
  return out
}

export function makeClient(lib: Lib, server: TestServer, setup: ScenarioSetup): any {
  const options: Record<string, unknown> = {
    host: server.url,
    flushAt: 1,
    flushInterval: 0,
    fetchRetryCount: 0,
    ...(setup.definitions !== undefined ? { personalApiKey: 'phx_compat' } : {}),
    ...setup.options,
  }
  if (lib === 'hoglet') return new Hoglet('phc_compat', { logger: silentLogger, ...options } as never)
  return new PostHogNode('phc_compat', options as never)
}

export async function startServer(setup: ScenarioSetup): Promise<TestServer> {
  const server = await createTestServer()
  if (setup.definitions !== undefined) {
    server.route('/flags/definitions', { body: setup.definitions })
    server.route('/api/feature_flag/local_evaluation', { body: setup.definitions })
  }
  server.route('/flags', (req) => {
    if (setup.flagsRoute) return setup.flagsRoute(req)
    const asked: string[] | undefined = req.json?.flag_keys_to_evaluate
    const flags: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(setup.remoteFlags ?? {})) if (!asked || asked.includes(key)) flags[key] = value
    return { body: { flags, errorsWhileComputingFlags: false, requestId: 'req-1', evaluatedAt: 1_700_000_000_000, ...setup.remoteExtra } }
  })
  return server
}

/** Run `scenario` once per library; the clients are flushed and shut down before the wire is read. */
export async function runBoth(setup: ScenarioSetup, scenario: (side: Side) => Promise<unknown>): Promise<Record<Lib, Outcome>> {
  const out = {} as Record<Lib, Outcome>
  for (const lib of LIBS) {
    const server = await startServer(setup)
    const client = makeClient(lib, server, setup)
    try {
      const value = await scenario({ lib, client, server })
      await client.flush()
      await client.shutdown()
      out[lib] = {
        value,
        flagsRequests: server.requestsTo('/flags/').filter((r) => r.method === 'POST').map((r) => r.json),
        definitionsRequests: server.requests.filter((r) => r.path.startsWith('/flags/definitions') || r.path.startsWith('/api/feature_flag/local_evaluation')).length,
        events: server
          .requestsTo('/batch/')
          .flatMap((r) => (r.json?.batch as any[]) ?? [])
          .map((e) => ({ event: e.event, distinct_id: e.distinct_id, properties: normaliseProperties(e.properties ?? {}) })),
      }
    } finally {
      await server.close()
    }
  }
  return out
}

/** A scenario result with one named aspect set aside (a listed difference), for comparing the rest. */
export function without<T extends object>(o: T, ...keys: Array<keyof T>): Partial<T> {
  const copy = { ...o }
  for (const k of keys) delete copy[k]
  return copy
}

const GUIDE = new URL('../../../../docs/migrating-from-posthog-node.md', import.meta.url)

/** A difference the test accepts must be listed in the migration guide under its tag (or a `diff-<tag>` anchor). */
export function listedDifference(tag: string): boolean {
  const guide = readFileSync(GUIDE, 'utf8')
  return guide.includes(`(difference: ${tag})`) || guide.includes(`diff-${tag}"`)
}
