import { request as httpRequest } from 'node:http'
import * as posthogNode from 'posthog-node'
import * as posthogNodeNest from 'posthog-node/nestjs'
import * as hoglet from '../../../src/index.js'
import * as hogletNest from '../../../src/integrations/nestjs/index.js'
import { silentLogger } from '../../../src/logger.js'
import { createTestServer, type TestServer } from '../../helpers/test-server.js'

/** The two libraries every scenario runs against, through their public exports only. */
export const LIBRARIES = [
  { name: 'posthog-node', main: posthogNode as unknown as typeof hoglet, nest: posthogNodeNest as unknown as typeof hogletNest },
  { name: 'hoglet', main: hoglet, nest: hogletNest },
] as const

export type Library = (typeof LIBRARIES)[number]
export type Client = InstanceType<typeof hoglet.PostHog>

export const API_KEY = 'phc_compat'

export interface WireEvent {
  event: string
  distinct_id: string
  uuid: string
  timestamp?: string
  properties: Record<string, any>
}

/**
 * Runs `scenario` with a fresh client of `library` pointed at a fresh recording server and
 * returns the events the server received, normalised for comparison: library name and
 * version removed, generated personless ids and uuids replaced by placeholders.
 */
export async function recordWire(
  library: Library,
  options: Record<string, unknown>,
  scenario: (client: Client, sink: TestServer) => Promise<void>,
): Promise<WireEvent[]> {
  const sink = await createTestServer()
  const client = new library.main.PostHog(API_KEY, {
    host: sink.url,
    flushAt: 1000,
    flushInterval: 0,
    ...(library.name === 'hoglet' ? { logger: silentLogger } : {}),
    ...options,
  } as never) as Client
  try {
    await scenario(client, sink)
    await client.flush()
    return sink.requestsTo('/batch/').flatMap((r) => (r.json?.batch ?? []) as WireEvent[])
  } finally {
    await client.shutdown()
    await sink.close()
  }
}

/** The comparable part of an event: what PostHog stores, minus what differs by design on every run. */
export function comparable(event: WireEvent): { event: string; distinct_id: string; properties: Record<string, any> } {
  const { $lib, $lib_version, ...properties } = event.properties
  const personless = properties.$process_person_profile === false
  return { event: event.event, distinct_id: personless ? '<generated>' : event.distinct_id, properties }
}

/**
 * A GET with exactly these headers (node:http: `fetch` would add its own and refuse some).
 * The request target is sent as written, `#fragment` included.
 */
export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(url)
  const target = url.slice(url.indexOf(pathname, url.indexOf('//') + 2))
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: target, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Runs the scenario against both libraries and answers both wires, posthog-node first. */
export async function bothWires(
  options: Record<string, unknown>,
  scenario: (client: Client, library: Library, sink: TestServer) => Promise<void>,
): Promise<{ posthogNode: WireEvent[]; hoglet: WireEvent[] }> {
  const [reference, ours] = [
    await recordWire(LIBRARIES[0], options, (client, sink) => scenario(client, LIBRARIES[0], sink)),
    await recordWire(LIBRARIES[1], options, (client, sink) => scenario(client, LIBRARIES[1], sink)),
  ]
  return { posthogNode: reference, hoglet: ours }
}

/** Events ordered by name and then by a property, so scenarios with async captures compare stably. */
export function sorted<T extends { event: string; properties: Record<string, any> }>(events: T[], key = '$request_path'): T[] {
  return [...events].sort((a, b) => (a.event + String(a.properties[key] ?? '')).localeCompare(b.event + String(b.properties[key] ?? '')))
}
