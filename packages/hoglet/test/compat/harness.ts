/**
 * Behavioural comparison with posthog-node: run the same scenario against posthog-node 5.x and
 * hoglet, each with its own recording loopback server, and compare what the scenario returns and
 * what went over the wire.
 *
 * Use:
 *
 * ```ts
 * const outcome = await compareLibraries(async ({ PostHog, options }) => {
 *   const client = new PostHog('phc_test', options({ flushAt: 1 }))
 *   client.capture({ distinctId: 'u', event: 'e' })
 *   await client.flush()
 *   return client.isDisabled          // compared too
 * }, { documented: ['flush-never-rejects'] })
 * expect(outcome.unexplained).toEqual([])
 * ```
 *
 * - `scenario(ctx)` runs once per library. `ctx.PostHog` is that library's class, `ctx.server`
 *   its recording server (`route`, `enqueue` to script answers), `ctx.options(extra)` the base
 *   options (`host` of that server, fast retries, no flush timer) merged with `extra`, and
 *   `ctx.lib` the library's name. The value it returns is compared (uuids and ISO times are
 *   normalised first).
 * - The wire compared is every event of every `/batch/` request, in order, normalised by
 *   `normaliseEvent` (the `$lib`/`$lib_version` values, uuids, timestamps and random distinct ids
 *   are replaced by placeholders); `compare: ['requests']` also compares the list of request
 *   paths, methods and `/batch/` envelopes (body fields besides the events; `requests` is off
 *   by default: the libraries may cut batches differently).
 * - Each difference is a path (`events[0].properties.$set_once`, `result`, `requests[1]`) with
 *   both values. A difference is explained when one of the scenario's `documented` entries (ids
 *   of `DOCUMENTED_DIFFERENCES`, each stated in docs/migrating-from-posthog-node.md) matches its
 *   path; `unexplained` lists the others, and a test should expect it to be empty.
 */
import { PostHog as NodePostHog } from 'posthog-node'
import { PostHog as HogletPostHog } from '../../src/index.js'
import { createTestServer, type RecordedRequest, type TestServer } from '../helpers/test-server.js'
import { DOCUMENTED_DIFFERENCES, type DocumentedDifferenceId } from './documented-differences.js'

export type LibraryName = 'posthog-node' | 'hoglet'

export interface ScenarioContext {
  lib: LibraryName
  /** The library's client class; typed loosely so one scenario drives both. */
  PostHog: new (apiKey: string, options?: Record<string, unknown>) => any
  server: TestServer
  /** Base options for this library's server, merged with `extra`. */
  options(extra?: Record<string, unknown>): Record<string, unknown>
}

export type Scenario<T> = (ctx: ScenarioContext) => Promise<T>

export interface LibraryOutcome {
  result: unknown
  events: unknown[]
  /** Each request's method, path and, for `/batch/`, its body without the events (`api_key`, `historical_migration`, `sent_at`...). */
  requests: Array<{ method: string; path: string; envelope?: unknown }>
  error: string | undefined
}

export interface Difference {
  path: string
  posthogNode: unknown
  hoglet: unknown
  /** The documented difference that explains it, if any. */
  explainedBy: DocumentedDifferenceId | undefined
}

export interface Comparison {
  posthogNode: LibraryOutcome
  hoglet: LibraryOutcome
  differences: Difference[]
  /** Differences no documented entry of the scenario explains: should be empty. */
  unexplained: Difference[]
}

export interface CompareOptions {
  /** Documented differences this scenario is expected to show. */
  documented?: DocumentedDifferenceId[]
  /** What to compare besides the result and the events. */
  compare?: Array<'requests'>
  /** Waits this long after the scenario for stray requests (e.g. a background flush). */
  settleMs?: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** Runs `scenario` on both libraries and compares the outcomes. */
export async function compareLibraries<T>(scenario: Scenario<T>, options: CompareOptions = {}): Promise<Comparison> {
  const posthogNode = await runOn('posthog-node', scenario, options)
  const hoglet = await runOn('hoglet', scenario, options)
  const differences: Difference[] = []
  diff('result', posthogNode.result, hoglet.result, differences)
  diff('error', posthogNode.error, hoglet.error, differences)
  diff('events', posthogNode.events, hoglet.events, differences)
  if (options.compare?.includes('requests')) diff('requests', posthogNode.requests, hoglet.requests, differences)
  const allowed = (options.documented ?? []).map((id) => ({ id, paths: DOCUMENTED_DIFFERENCES[id].paths }))
  for (const d of differences) d.explainedBy = allowed.find((a) => a.paths.some((p) => p.test(d.path)))?.id
  return { posthogNode, hoglet, differences, unexplained: differences.filter((d) => d.explainedBy === undefined) }
}

/** Runs the scenario on one library; the outcome is already normalised. */
export async function runOn<T>(lib: LibraryName, scenario: Scenario<T>, options: CompareOptions = {}): Promise<LibraryOutcome> {
  const server = await createTestServer()
  const PostHog = (lib === 'hoglet' ? HogletPostHog : NodePostHog) as unknown as ScenarioContext['PostHog']
  const ctx: ScenarioContext = {
    lib,
    PostHog,
    server,
    options: (extra = {}) => ({ host: server.url, flushInterval: 0, fetchRetryDelay: 5, ...extra }),
  }
  let result: unknown
  let error: string | undefined
  try {
    result = await scenario(ctx)
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
  }
  if (options.settleMs) await new Promise((r) => setTimeout(r, options.settleMs))
  const batches = server.requests.filter((r) => r.path === '/batch/' || r.path === '/batch')
  const outcome: LibraryOutcome = {
    result: normaliseValue(result),
    events: batches.flatMap((r: RecordedRequest) => ((r.json?.batch as unknown[]) ?? []).map(normaliseEvent)),
    requests: server.requests.map((r) => {
      const path = r.path.replace(/\/$/, '') + '/'
      if (path !== '/batch/' || r.json === null || typeof r.json !== 'object') return { method: r.method, path }
      const { batch: _events, ...envelope } = r.json as Record<string, unknown>
      return { method: r.method, path, envelope: normaliseValue(envelope) }
    }),
    error,
  }
  await server.close()
  return outcome
}

/** An event with the fields that legitimately vary (library name and version, ids, times) replaced by placeholders. */
export function normaliseEvent(event: any): unknown {
  if (event === null || typeof event !== 'object') return event
  const copy = normaliseValue(event) as Record<string, any>
  if (copy.properties && typeof copy.properties === 'object') {
    if ('$lib' in copy.properties) copy.properties.$lib = '<lib>'
    if ('$lib_version' in copy.properties) copy.properties.$lib_version = '<version>'
  }
  return copy
}

/** Replaces uuids with `<uuid>` and ISO timestamps with `<time>`, deeply. */
export function normaliseValue(value: unknown): unknown {
  if (typeof value === 'string') return UUID.test(value) ? '<uuid>' : ISO.test(value) ? '<time>' : value
  if (Array.isArray(value)) return value.map(normaliseValue)
  if (value instanceof Date) return '<time>'
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = normaliseValue((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

function diff(path: string, a: unknown, b: unknown, out: Difference[]): void {
  if (Object.is(a, b)) return
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length)
    for (let i = 0; i < length; i++) diff(`${path}[${i}]`, a[i], b[i], out)
    return
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const key of keys) diff(`${path}.${key}`, (a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], out)
    return
  }
  out.push({ path, posthogNode: a, hoglet: b, explainedBy: undefined })
}

/** A readable list of differences for an assertion message. */
export function describeDifferences(differences: Difference[]): string {
  return differences.map((d) => `${d.path}: posthog-node ${JSON.stringify(d.posthogNode)} ≠ hoglet ${JSON.stringify(d.hoglet)}`).join('\n')
}
