import { randomUUID } from 'node:crypto'
import { decodeBody } from '../http/decode.js'
import { HttpError, badRequest, unauthorized } from '../http/errors.js'
import { readBody } from '../http/read-body.js'
import type { Reply, RequestContext, Router } from '../http/router.js'
import type { GroupStore } from '../store/groups.js'
import type { HashKeyStore } from '../store/hash-keys.js'
import type { PersonStore } from '../store/persons.js'
import { evaluateFlags, PERSON_METADATA_PREFIX, type EvaluationInput, type FlagAnswer } from './evaluate-flags.js'
import type { FlagRegistry } from './flag-registry.js'
import { requestRuntime } from './evaluation-runtime.js'

type Props = Record<string, unknown>

/** What the flag endpoints need from the server. */
export interface FlagsDeps {
  registry: FlagRegistry
  persons: PersonStore
  groups: GroupStore
  /** Stored hash keys of experience-continuity flags. */
  hashKeys: HashKeyStore
  /** When set, `/flags` accepts only this project token. */
  projectToken: string | undefined
  /** When set, the definitions and remote-config endpoints accept only this Bearer key. */
  personalApiKey: string | undefined
  /** Answer `/flags` as quota-limited (a control switch for tests). */
  quotaLimited(): boolean
}

const FLAGS_BODY_LIMIT = 2 * 1024 * 1024

/** `/flags`, `/decide`, the three definitions paths and remote config. */
export function registerFlagRoutes(router: Router, deps: FlagsDeps): void {
  router.on('POST', '/flags', async (ctx) => {
    const version = ctx.query.get('v')
    const result = await evaluateRequest(ctx, deps)
    return { status: 200, body: version === null || version === '1' ? legacyShape(result) : detailedShape(result) }
  })
  router.on('POST', '/decide', async (ctx) => {
    const v = Number(ctx.query.get('v') ?? '1')
    const result = await evaluateRequest(ctx, deps)
    if (v >= 4) return { status: 200, body: detailedShape(result) }
    if (v === 3) return { status: 200, body: legacyShape(result) }
    const active = [...result.answers.values()].filter((a) => a.enabled)
    if (v === 2) return { status: 200, body: { featureFlags: Object.fromEntries(active.map((a) => [a.key, a.variant ?? true])) } }
    return { status: 200, body: { featureFlags: active.map((a) => a.key) } }
  })

  const definitions = (requireToken: boolean) =>
    function flagDefinitions(ctx: RequestContext): Reply {
      checkBearer(ctx, deps.personalApiKey)
      const token = ctx.query.get('token')
      if (requireToken && !token) throw unauthorized('missing_token', 'the `token` query parameter is required')
      if (token && deps.projectToken !== undefined && token !== deps.projectToken) throw unauthorized('invalid_token', 'unknown project token')
      const { registry } = deps
      const headers = { etag: registry.etag, 'cache-control': 'private, must-revalidate' }
      if (etagMatches(ctx.req.headers['if-none-match'], registry.etag)) return { status: 304, headers }
      return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: registry.json }
    }
  router.on(['GET', 'HEAD'], '/flags/definitions', definitions(true))
  router.on(['GET', 'HEAD'], '/api/feature_flag/local_evaluation', definitions(false))
  router.on(['GET', 'HEAD'], '/api/projects/:project/feature_flags/local_evaluation', definitions(false))

  router.on('GET', '/api/projects/:project/feature_flags/:flag/remote_config', (ctx) => {
    checkBearer(ctx, deps.personalApiKey)
    const ref = ctx.params.flag!
    const flag = deps.registry.definitions.flags.find((f) => f.key === ref || String(f.id) === ref)
    if (!flag || flag.deleted) throw new HttpError(404, 'not_found', `no flag \`${ref}\``)
    const payload = flag.filters?.payloads?.['true']
    return { status: 200, body: JSON.stringify(payload ?? null), headers: { 'content-type': 'application/json' } }
  })
}

interface EvaluationResult {
  answers: Map<string, FlagAnswer>
  quotaLimited: boolean
  errors: boolean
}

/** Parses a `/flags` body and evaluates it; stored person/group properties fill in what the request omits. */
async function evaluateRequest(ctx: RequestContext, deps: FlagsDeps): Promise<EvaluationResult> {
  const raw = await readBody(ctx.req, FLAGS_BODY_LIMIT)
  const text = await decodeBody(raw, {
    contentEncoding: ctx.req.headers['content-encoding'],
    contentType: ctx.req.headers['content-type'],
    compression: ctx.query.get('compression'),
    limit: FLAGS_BODY_LIMIT,
  })
  ctx.bodyText = text
  let body: Props
  try {
    // PostHog's parser reads NaN and Infinity as null.
    const parsed: unknown = JSON.parse(text.replace(/:\s*-?(NaN|Infinity)\b/g, ': null'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    body = parsed as Props
  } catch {
    throw badRequest('invalid_json', 'request body is not a JSON object')
  }
  const token = str(body.token) ?? str(body.api_key) ?? str(body.$token)
  if (!token) throw unauthorized('missing_token', 'no project token (`token` or `api_key`) in the request')
  if (deps.projectToken !== undefined && token !== deps.projectToken) throw unauthorized('invalid_token', 'unknown project token')
  const rawId = body.distinct_id ?? body.$distinct_id
  if (rawId === undefined || rawId === null || rawId === '') throw badRequest('missing_distinct_id', '`distinct_id` is required')
  const distinctId = (typeof rawId === 'string' ? rawId : JSON.stringify(rawId)).slice(0, 200)

  if (deps.quotaLimited()) return { answers: new Map(), quotaLimited: true, errors: false }
  if (body.disable_flags === true) return { answers: new Map(), quotaLimited: false, errors: false }

  const groups = objectOf(body.groups ?? body.$groups) as Record<string, unknown>
  const requestGroupProps = objectOf(body.group_properties ?? body.$group_properties)
  const groupKeys: Record<string, unknown> = {}
  const groupProperties: Record<string, Props> = {}
  for (const [type, key] of Object.entries(groups)) {
    if (key === null || key === undefined) continue
    // The key goes to the engine as given (a number hashes as its text; a boolean never matches).
    groupKeys[type] = key
    const stored = typeof key === 'string' || typeof key === 'number' ? deps.groups.get(type, String(key))?.properties : undefined
    groupProperties[type] = { ...stored, ...objectOf(requestGroupProps[type]) }
  }
  const person = deps.persons.get(distinctId)
  const personProperties: Props = { ...person?.properties, ...objectOf(body.person_properties ?? body.$properties) }
  // Person metadata (the persons table's created_at) for `person_metadata` filters, where
  // PostHog's server puts it: beside the properties, under a key no property can collide with.
  if (person) personProperties[PERSON_METADATA_PREFIX + 'created_at'] = new Date(person.createdAt).toISOString()
  const deviceId = str(body.$device_id) ?? str(body.device_id) ?? str(personProperties.$device_id)
  const input: EvaluationInput = { distinctId, groups: groupKeys, personProperties, groupProperties, deviceId }
  const continuity = deps.registry.compiled.continuityKeys
  if (continuity.length > 0) {
    const ids = deps.persons.distinctIdsOf(distinctId)
    const anon = str(body.$anon_distinct_id)
    input.hashKeys = anon ? deps.hashKeys.remember(ids, continuity, anon) : deps.hashKeys.lookup(ids)
  }

  const keys = body.flag_keys_to_evaluate ?? body.flag_keys
  const contexts = body.evaluation_contexts ?? body.evaluation_environments
  const answers = evaluateFlags(deps.registry.compiled, input, {
    keys: Array.isArray(keys) ? new Set(keys.map(String)) : undefined,
    contexts: Array.isArray(contexts) ? new Set(contexts.map(String)) : undefined,
    runtime: requestRuntime(body.evaluation_runtime, ctx.req.headers),
  })
  let errors = false
  for (const a of answers.values()) if (a.failed) errors = true
  return { answers, quotaLimited: false, errors }
}

function detailedShape(r: EvaluationResult): Props {
  const flags: Props = {}
  for (const a of r.answers.values()) {
    flags[a.key] = {
      key: a.key,
      enabled: a.enabled,
      variant: a.variant,
      reason: a.reason,
      metadata: { id: a.id, version: a.version, description: a.description, payload: a.payload, has_experiment: a.hasExperiment },
      ...(a.failed ? { failed: true } : {}),
    }
  }
  return {
    flags,
    errorsWhileComputingFlags: r.errors,
    ...(r.quotaLimited ? { quotaLimited: ['feature_flags'] } : {}),
    requestId: randomUUID(),
    evaluatedAt: Date.now(),
  }
}

function legacyShape(r: EvaluationResult): Props {
  const featureFlags: Props = {}
  const featureFlagPayloads: Props = {}
  for (const a of r.answers.values()) {
    featureFlags[a.key] = a.variant ?? a.enabled
    if (a.payload !== null && a.payload !== undefined) featureFlagPayloads[a.key] = a.payload
  }
  return {
    featureFlags,
    featureFlagPayloads,
    errorsWhileComputingFlags: r.errors,
    ...(r.quotaLimited ? { quotaLimited: ['feature_flags'] } : {}),
    requestId: randomUUID(),
    evaluatedAt: Date.now(),
  }
}

function checkBearer(ctx: RequestContext, expected: string | undefined): void {
  const auth = ctx.req.headers.authorization
  const key = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : ''
  if (!key) throw unauthorized('authentication_required', 'an `Authorization: Bearer <personal API key>` header is required')
  if (expected !== undefined && key !== expected) throw unauthorized('authentication_failed', 'invalid personal API key')
}

/** `If-None-Match` may list several tags, weak or strong or bare; any match counts. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  const bare = (t: string): string => t.trim().replace(/^W\//, '').replace(/^"|"$/g, '')
  const want = bare(etag)
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === want)
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const objectOf = (v: unknown): Props => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Props) : {})
