import { randomUUID } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { decodeBody } from '../http/decode.js'
import { HttpError } from '../http/errors.js'
import { readBody } from '../http/read-body.js'
import type { Reply, RequestContext, Router } from '../http/router.js'
import type { IncomingEvent } from '../store/events.js'
import { OneAtATime } from './one-at-a-time.js'
import { normalizeEvent, parseCapture, type ParsedEvent } from './parse-capture.js'
import { parseJsonInSlices } from './parse-json-in-slices.js'

const MIB = 1024 * 1024
/** Body caps of PostHog's capture service. */
export const BATCH_LIMIT = 20 * MIB
export const EVENT_LIMIT = 2 * MIB

/** What capture needs from the rest of the server. */
export interface CaptureSink {
  /** Stores the events (in slices of transactions); resolves once all are committed. */
  store(events: IncomingEvent[], endpoint: string): Promise<void>
  /** When set, only this token is accepted (others get 401). */
  projectToken: string | undefined
}

const OK = { status: 200, body: { status: 1 } } satisfies Reply
const BEACON = { status: 204 } satisfies Reply

/** Registers `/batch`, `/i/v0/e`, the legacy aliases, the AI lane and capture v1. */
export function registerCaptureRoutes(router: Router, sink: CaptureSink): void {
  const inTurn = new OneAtATime()
  const handler = (limit: number, endpoint: string, legacy: boolean) =>
    async function capture(ctx: RequestContext): Promise<Reply> {
      const text = await readCaptureText(ctx, limit, legacy)
      await inTurn.run(async () => {
        const parsed = await parseCapture(text)
        checkToken(parsed.token, sink.projectToken)
        await sink.store(parsed.events, endpoint)
      })
      return ctx.query.get('beacon') === '1' ? BEACON : OK
    }

  router.on(['POST', 'GET'], '/batch', handler(BATCH_LIMIT, '/batch/', false))
  router.on('POST', '/i/v0/ai/batch', handler(BATCH_LIMIT, '/i/v0/ai/batch/', false))
  for (const path of ['/i/v0/e', '/e', '/capture', '/track', '/engage']) {
    router.on(['POST', 'GET'], path, handler(EVENT_LIMIT, path + '/', true))
  }
  router.on('POST', '/i/v1/analytics/events', async (ctx) => captureV1(ctx, sink, inTurn))
}

async function readCaptureText(ctx: RequestContext, limit: number, legacy: boolean): Promise<string> {
  const { req, query } = ctx
  let text: string
  if (ctx.method === 'GET') {
    // GET capture carries the payload in `?data=` (posthog-js image beacons).
    const data = query.get('data')
    if (data === null) throw new HttpError(400, 'invalid_payload', 'GET capture needs a `data` query parameter')
    text = await decodeBody(Buffer.from(data, 'latin1'), { compression: query.get('compression'), allowBase64: true, limit })
  } else {
    const raw = await readBody(req, limit)
    text = await decodeBody(raw, {
      contentEncoding: req.headers['content-encoding'],
      contentType: req.headers['content-type'],
      compression: query.get('compression'),
      allowBase64: legacy,
      limit,
    })
  }
  ctx.bodyText = text
  return text
}

function checkToken(token: string, expected: string | undefined): void {
  if (token.startsWith('phx_')) throw new HttpError(403, 'ingest_key_unknown', 'a personal API key cannot be used to capture')
  if (expected !== undefined && token !== expected) throw new HttpError(403, 'ingest_key_unknown', 'unknown project token')
}

/** Capture v1 `options` and the event properties they stand for. */
const V1_OPTION_PROPERTIES = [
  ['cookieless_mode', '$cookieless_mode'],
  ['disable_skew_correction', '$ignore_sent_at'],
  ['process_person_profile', '$process_person_profile'],
  ['product_tour_id', '$product_tour_id'],
] as const

/** `PostHog-Sdk-Info: <name>/<version>`. */
function sdkInfo(header: string): { name: string; version: string } | undefined {
  const slash = header.lastIndexOf('/')
  if (slash <= 0 || slash === header.length - 1) return undefined
  return { name: header.slice(0, slash), version: header.slice(slash + 1) }
}

const V1_HEADERS = ['posthog-sdk-info', 'posthog-attempt', 'posthog-request-id', 'posthog-request-timestamp']

/** Capture v1's error answer. */
const fail = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error, error_description: description, error_uri: 'https://posthog.com/docs/api' },
})

/** Capture v1: Bearer token, PostHog-* headers, per-event results. */
async function captureV1(ctx: RequestContext, sink: CaptureSink, inTurn: OneAtATime): Promise<Reply> {
  const { req } = ctx
  const auth = req.headers.authorization
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : ''
  if (!token) return fail(401, 'missing_authorization', 'an `Authorization: Bearer <project token>` header is required')
  if (sink.projectToken !== undefined && token !== sink.projectToken) return fail(401, 'missing_authorization', 'unknown project token')
  const missing = V1_HEADERS.filter((h) => !req.headers[h])
  if (missing.length) return fail(400, 'missing_required_headers', `missing headers: ${missing.join(', ')}`)

  let text: string
  try {
    text = await decodeBody(await readBody(req, BATCH_LIMIT), { contentEncoding: req.headers['content-encoding'], limit: BATCH_LIMIT })
  } catch (err) {
    if (err instanceof HttpError) {
      const tag = err.status === 413 ? 'payload_too_large' : err.status === 415 ? 'unsupported_content_type' : 'request_parsing_error'
      return fail(err.status, tag, err.message)
    }
    throw err
  }
  ctx.bodyText = text
  return inTurn.run(() => storeV1(ctx, text, sink))
}

/** Capture v1 after its body is decoded: parse, validate, store, per-event results. */
async function storeV1(ctx: RequestContext, text: string, sink: CaptureSink): Promise<Reply> {
  const { req } = ctx
  let body: unknown
  try {
    body = await parseJsonInSlices(text) // a huge batch is parsed a slice per turn of the event loop
  } catch {
    return fail(400, 'request_parsing_error', 'request body is not valid JSON')
  }
  const batch = (body as { batch?: unknown } | null)?.batch
  if (!Array.isArray(batch) || batch.length === 0) return fail(400, 'request_parsing_error', '`batch` must be a non-empty array')

  const now = new Date().toISOString()
  const lib = sdkInfo(String(req.headers['posthog-sdk-info']))
  const events: ParsedEvent[] = []
  try {
    for (let i = 0; i < batch.length; i++) {
      if (i > 0 && i % 5000 === 0) await nextTurn() // as parseCapture: never validate 600k events in one turn
      const raw = batch[i] as Record<string, unknown>
      const e = normalizeEvent(raw, i, now)
      const props = e.properties
      if (raw.session_id !== undefined) props.$session_id ??= raw.session_id
      if (raw.window_id !== undefined) props.$window_id ??= raw.window_id
      // As PostHog does: the library comes from the header, typed options back to their properties.
      if (lib) {
        props.$lib ??= lib.name
        props.$lib_version ??= lib.version
      }
      const options = raw.options
      if (options && typeof options === 'object' && !Array.isArray(options)) {
        for (const [option, property] of V1_OPTION_PROPERTIES) {
          const value = (options as Record<string, unknown>)[option]
          if (value !== undefined) props[property] ??= value
        }
      }
      events.push(e)
    }
  } catch (err) {
    if (err instanceof HttpError) return fail(400, 'request_parsing_error', err.message)
    throw err
  }
  const results: Record<string, { result: string; details?: string }> = {}
  const { retry = 0, drop = 0 } = ctx.eventResults ?? {}
  for (const [i, e] of events.entries()) {
    if (i < retry) results[e.uuid] = { result: 'retry', details: 'injected: try again' }
    else if (i < retry + drop) results[e.uuid] = { result: 'drop', details: 'injected: refused' }
  }
  const accepted = events.filter((e) => results[e.uuid] === undefined)
  await sink.store(accepted, '/i/v1/analytics/events')
  for (const e of accepted) results[e.uuid] = { result: 'ok' }
  return {
    status: 200,
    headers: { 'posthog-request-id': String(req.headers['posthog-request-id'] ?? randomUUID()), date: new Date().toUTCString() },
    body: { results },
  }
}
