import { readBody } from '../http/read-body.js'
import { HttpError, badRequest } from '../http/errors.js'
import type { RequestContext, Router } from '../http/router.js'
import type { FlagRegistry } from '../flags/flag-registry.js'
import { evaluateFlags } from '../flags/evaluate-flags.js'
import type { Store } from '../store/store.js'
import type { LiveUpdates } from '../ui/live-updates.js'
import type { FaultQueue, FaultSpec } from './faults.js'
import type { RequestLog } from './request-log.js'

/** Prefix of the control API; requests under it are never recorded or faulted. */
export const CONTROL_PREFIX = '/_hoglet'

export interface ControlDeps {
  store: Store
  registry: FlagRegistry
  faults: FaultQueue
  requests: RequestLog
  live: LiveUpdates
  settings: { quotaLimited: boolean }
}

const CONTROL_BODY_LIMIT = 20 * 1024 * 1024

/** The control API used by tests and by the web page. */
export function registerControlRoutes(router: Router, deps: ControlDeps): void {
  const { store, registry, faults, requests, live, settings } = deps
  const P = CONTROL_PREFIX
  const ok = { status: 200, body: { ok: true } }

  router.on('GET', `${P}/stats`, () => ({
    status: 200,
    body: {
      events: store.events.count(),
      // Events received again under a uuid already stored, and not stored twice.
      duplicateEvents: store.duplicateEvents,
      persons: store.persons.count(),
      groups: store.groups.count(),
      flags: registry.definitions.flags.length,
      flagsSource: registry.source,
      eventNames: store.events.names(),
    },
  }))

  router.on('GET', `${P}/events`, (ctx) => {
    const q = ctx.query
    const results = store.events.list({
      event: q.get('event') ?? undefined,
      distinctId: q.get('distinct_id') ?? undefined,
      afterId: intParam(q, 'after'),
      limit: intParam(q, 'limit'),
    })
    return { status: 200, body: { results, total: store.events.count() } }
  })
  router.on('GET', `${P}/events/:id`, (ctx) => {
    const e = store.events.get(Number(ctx.params.id) || 0)
    if (!e) throw new HttpError(404, 'not_found', 'no such event')
    return { status: 200, body: e }
  })
  router.on('DELETE', `${P}/events`, () => {
    store.events.clear()
    live.notify('reset')
    return ok
  })

  router.on('GET', `${P}/persons`, (ctx) => ({
    status: 200,
    body: store.persons.list(intParam(ctx.query, 'limit') ?? 100, ctx.query.get('search') ?? undefined),
  }))
  router.on('GET', `${P}/persons/:distinctId`, (ctx) => {
    const p = store.persons.get(ctx.params.distinctId!)
    if (!p) throw new HttpError(404, 'not_found', 'no person with that distinct id')
    return { status: 200, body: p }
  })
  router.on('GET', `${P}/groups`, (ctx) => ({ status: 200, body: store.groups.list(intParam(ctx.query, 'limit') ?? 100) }))

  router.on('GET', `${P}/requests`, (ctx) => ({
    status: 200,
    body: { results: requests.list(ctx.query.get('path') ?? undefined, intParam(ctx.query, 'limit') ?? 1000) },
  }))
  router.on('DELETE', `${P}/requests`, () => {
    requests.clear()
    return ok
  })

  router.on('GET', `${P}/flags`, () => ({ status: 200, body: { ...registry.definitions, source: registry.source } }))
  router.on(['PUT', 'POST'], `${P}/flags`, async (ctx) => {
    const body = await readJson(ctx)
    try {
      registry.set(body, 'control')
    } catch (err) {
      if (err instanceof TypeError) throw badRequest('invalid_definitions', err.message)
      throw err
    }
    live.notify('flags')
    return { status: 200, body: { ok: true, flags: registry.definitions.flags.length, etag: registry.etag } }
  })
  router.on('POST', `${P}/flags/reload`, () => {
    registry.reload()
    live.notify('flags')
    return ok
  })
  router.on('POST', `${P}/flags/evaluate`, async (ctx) => {
    const body = await readJsonObject(ctx)
    const distinctId = typeof body.distinct_id === 'string' ? body.distinct_id : ''
    if (!distinctId) throw badRequest('missing_distinct_id', '`distinct_id` is required')
    const groups = (isObject(body.groups) ? body.groups : {}) as Record<string, string>
    const groupProperties: Record<string, Record<string, unknown>> = {}
    for (const [type, key] of Object.entries(groups)) groupProperties[type] = store.groups.get(type, String(key))?.properties ?? {}
    const personProperties = { ...store.persons.propertiesOf(distinctId), ...(isObject(body.person_properties) ? body.person_properties : {}) }
    const answers = evaluateFlags(registry.compiled, { distinctId, groups, personProperties, groupProperties })
    return { status: 200, body: { distinct_id: distinctId, person_properties: personProperties, flags: [...answers.values()] } }
  })
  router.on('PUT', `${P}/settings`, async (ctx) => {
    const body = await readJsonObject(ctx)
    if (body.quotaLimited !== undefined) settings.quotaLimited = body.quotaLimited === true
    return { status: 200, body: settings }
  })

  router.on('GET', `${P}/faults`, () => ({ status: 200, body: { results: faults.list() } }))
  router.on('POST', `${P}/faults`, async (ctx) => {
    const body = await readJson(ctx)
    try {
      faults.add(Array.isArray(body) ? (body as FaultSpec[]) : [body as FaultSpec])
    } catch (err) {
      if (err instanceof TypeError) throw badRequest('invalid_fault', err.message)
      throw err
    }
    return { status: 200, body: { ok: true, queued: faults.list().length } }
  })
  router.on('DELETE', `${P}/faults`, () => {
    faults.clear()
    return ok
  })

  router.on('POST', `${P}/reset`, () => {
    store.clear()
    requests.clear()
    faults.clear()
    settings.quotaLimited = false
    live.notify('reset')
    return ok
  })

  router.on('GET', `${P}/stream`, (ctx) => {
    live.attach(ctx.res)
    return undefined
  })
}

async function readJson(ctx: RequestContext): Promise<unknown> {
  const text = (await readBody(ctx.req, CONTROL_BODY_LIMIT)).toString('utf8')
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw badRequest('invalid_json', 'request body is not valid JSON')
  }
}

/** A JSON body that must be an object (400 otherwise). */
async function readJsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const body = await readJson(ctx)
  if (!isObject(body)) throw badRequest('invalid_json', 'request body must be a JSON object')
  return body
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A non-negative integer query parameter; 400 when present but not one. */
function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^\d+$/.test(v)) throw badRequest('invalid_parameter', `\`${name}\` must be a non-negative integer`)
  return Number(v)
}
