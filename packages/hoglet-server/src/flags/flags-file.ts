import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { FlagDefinitionsResponse } from 'hoglet/engine'
import { checkDefinitions } from './check-definitions.js'

/**
 * Reads a flags file: JSON or YAML (by extension; `.yaml`/`.yml` are YAML, anything else is
 * tried as JSON then YAML). The content is the shape of PostHog's definitions response,
 * `{ flags, group_type_mapping?, cohorts? }`, with conveniences for hand-written files
 * applied by `normalizeDefinitions`.
 */
export function readFlagsFile(path: string): FlagDefinitionsResponse {
  const text = readFileSync(path, 'utf8')
  const ext = extname(path).toLowerCase()
  let data: unknown
  if (ext === '.yaml' || ext === '.yml') data = parseYaml(text)
  else {
    try {
      data = JSON.parse(text)
    } catch {
      data = parseYaml(text)
    }
  }
  return normalizeDefinitions(data, path)
}

/**
 * Validates definitions and fills what a hand-written file may leave out: `id` (position
 * based), `version` 1, `active` true, `deleted` false, `filters.groups` (one 100% condition),
 * `rollout_percentage` at a flag's top level (moved into its single condition); payloads
 * given as objects or numbers are JSON-encoded, as PostHog stores them.
 * Throws `TypeError` naming the problem and the path of the bad field (`check-definitions.ts`).
 */
export function normalizeDefinitions(data: unknown, source = 'definitions'): FlagDefinitionsResponse {
  const root = Array.isArray(data) ? { flags: data } : data
  if (typeof root !== 'object' || root === null || !Array.isArray((root as { flags?: unknown }).flags)) {
    throw new TypeError(`${source}: expected an object with a \`flags\` array`)
  }
  const input = root as Record<string, unknown> & { flags: unknown[] }
  // Explicit ids first, so a generated id never collides with one given further down.
  const usedIds = new Set<number>(
    input.flags.map((f) => (f as { id?: unknown } | null)?.id).filter((id): id is number => Number.isInteger(id)),
  )
  const keys = new Set<string>()
  const flags = input.flags.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw new TypeError(`${source}: flag ${i} is not an object`)
    const f = { ...(raw as Record<string, unknown>) }
    if (typeof f.key !== 'string' || f.key === '') throw new TypeError(`${source}: flag ${i} has no \`key\``)
    if (keys.has(f.key)) throw new TypeError(`${source}: flag key \`${f.key}\` appears twice`)
    keys.add(f.key)
    if (f.id === undefined) {
      let id = i + 1
      while (usedIds.has(id)) id++
      f.id = id
      usedIds.add(id)
    } else if (!Number.isInteger(f.id)) throw new TypeError(`${source}: flag \`${f.key}\` has a non-integer \`id\``)
    f.version ??= 1
    f.active ??= true
    f.deleted ??= false
    f.name ??= f.key
    if (f.filters !== undefined && f.filters !== null && (typeof f.filters !== 'object' || Array.isArray(f.filters))) {
      throw new TypeError(`${source}: \`flags[${i}].filters\` must be an object`)
    }
    const filters = { ...((f.filters as Record<string, unknown> | undefined) ?? {}) }
    if (filters.groups === undefined || filters.groups === null) {
      const pct = f.rollout_percentage
      filters.groups = [{ properties: [], rollout_percentage: typeof pct === 'number' ? pct : 100 }]
    }
    delete f.rollout_percentage
    if (filters.payloads && typeof filters.payloads === 'object') {
      const payloads: Record<string, string> = {}
      for (const [k, v] of Object.entries(filters.payloads as Record<string, unknown>)) {
        payloads[k] = typeof v === 'string' ? v : JSON.stringify(v)
      }
      filters.payloads = payloads
    }
    f.filters = filters
    return f
  })
  const out: FlagDefinitionsResponse = { flags: flags as unknown as FlagDefinitionsResponse['flags'] }
  out.group_type_mapping = normalizeMapping(input.group_type_mapping, source)
  out.cohorts = (input.cohorts as FlagDefinitionsResponse['cohorts']) ?? {}
  if (input.minimal_flag_called_events === true) out.minimal_flag_called_events = true
  checkDefinitions(out as unknown as Record<string, unknown>, source)
  return out
}

/** Accepts `{ "0": "company" }` or, for hand-written files, a list `[company, project]`. */
function normalizeMapping(v: unknown, source: string): Record<string, string> {
  if (v === undefined || v === null) return {}
  if (Array.isArray(v)) return Object.fromEntries(v.map((name, i) => [String(i), String(name)]))
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, name]) => [k, String(name)]))
  throw new TypeError(`${source}: \`group_type_mapping\` must be an object or a list`)
}
