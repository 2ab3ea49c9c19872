// PostHog's feature-flag service's own unit-test assertions, as data (test/fixtures/server-vectors/),
// run against the engine. Each check names the Rust test it comes from.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateFlag } from '../../src/engine/engine.js'
import type { FlagDefinitionsResponse, PropertyFilter } from '../../src/engine/engine.js'
import { parseAbsoluteDate, parseRelativeDate, resolveRelativeDate, timezoneOffsetLookup } from '../../src/engine/dates.js'
import { flagWith, verdict, type Verdict } from './engine-test-helpers.js'

const vectors = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/server-vectors/${name}`, import.meta.url), 'utf8'))

type Expected = boolean | 'missing' | 'error'
interface PropertyGroupVector {
  test: string
  filter: PropertyFilter
  partial: boolean
  timezone?: string
  checks: Array<[Record<string, unknown>, Expected]>
}

const matching = vectors('property-matching.json') as { now: string; groups: PropertyGroupVector[] }
const NOW = Date.parse(matching.now)

function evaluate(filter: PropertyFilter, properties: Record<string, unknown>, mode: 'local' | 'server', timezone: string | undefined): Verdict {
  const compiled = compileFlags({ flags: [flagWith([filter])] }, { mode, timezone: timezone ?? 'UTC', now: () => NOW })
  return verdict(compiled, 'f', { distinctId: 'user-1', personProperties: properties })
}

/**
 * What the engine must answer for one server outcome. With partial properties (the SDK's `local`
 * mode) a missing property and a filter error leave the flag to the server (inconclusive); with
 * complete properties (`server` mode) an error fails the condition.
 */
function expectedVerdict(expected: Expected, mode: 'local' | 'server'): Verdict {
  if (expected === 'missing') return 'inconclusive'
  if (expected === 'error') return mode === 'local' ? 'inconclusive' : false
  return expected
}

describe('server vectors: property_matching.rs', () => {
  const byTest = new Map<string, PropertyGroupVector[]>()
  for (const g of matching.groups) byTest.set(g.test, [...(byTest.get(g.test) ?? []), g])

  it('holds every group of the fixture', () => {
    expect(matching.groups.reduce((n, g) => n + g.checks.length, 0)).toBeGreaterThanOrEqual(350)
  })

  for (const [test, groups] of byTest) {
    it(test, () => {
      const failures: string[] = []
      for (const g of groups) {
        for (const [properties, expected] of g.checks) {
          const modes: Array<'local' | 'server'> = g.partial ? ['local'] : ['server']
          // A present key is decided the same way with complete properties, except for errors.
          if (g.partial && expected !== 'missing') modes.push('server')
          for (const mode of modes) {
            const want = expectedVerdict(expected, mode)
            const got = evaluate(g.filter, properties, mode, g.timezone)
            if (got !== want) failures.push(`${mode} ${JSON.stringify(g.filter)} on ${JSON.stringify(properties)} (${g.timezone ?? 'UTC'}): got ${got}, server ${JSON.stringify(expected)}`)
          }
        }
      }
      expect(failures).toEqual([])
    })
  }
})

interface RelativeVector {
  test: string
  input: string
  now: string
  timezone?: string
  expected?: string | null
  same_as?: string
  differs_from?: string
}

const relative = vectors('relative-date.json') as {
  relative: RelativeVector[]
  naive: Array<{ test: string; naive: string; timezone: string; expected: string | null }>
}

function resolve(input: string, now: string, timezone: string | undefined): number | undefined {
  const rel = parseRelativeDate(input)
  return rel && resolveRelativeDate(rel, Date.parse(now), timezoneOffsetLookup(timezone))
}

describe('server vectors: relative_date.rs', () => {
  const byTest = new Map<string, RelativeVector[]>()
  for (const v of relative.relative) byTest.set(v.test, [...(byTest.get(v.test) ?? []), v])

  for (const [test, cases] of byTest) {
    it(test, () => {
      const failures: string[] = []
      for (const v of cases) {
        const got = resolve(v.input, v.now, v.timezone)
        const show = (ms: number | undefined) => (ms === undefined ? 'none' : new Date(ms).toISOString())
        if (v.same_as !== undefined) {
          const other = resolve(v.same_as, v.now, v.timezone)
          if (got === undefined || got !== other) failures.push(`${v.input} = ${show(got)}, ${v.same_as} = ${show(other)}: expected equal`)
        } else if (v.differs_from !== undefined) {
          const other = resolve(v.differs_from, v.now, v.timezone)
          if (got === undefined || other === undefined || got === other) failures.push(`${v.input} and ${v.differs_from}: expected two different instants`)
        } else if (v.expected === 'valid') {
          if (got === undefined) failures.push(`${v.input} at ${v.now}: expected to parse`)
        } else if (v.expected === null) {
          if (got !== undefined) failures.push(`${v.input} at ${v.now}: expected no date, got ${show(got)}`)
        } else if (got !== Date.parse(v.expected!)) {
          failures.push(`${v.input} at ${v.now} (${v.timezone ?? 'UTC'}): got ${show(got)}, server ${v.expected}`)
        }
      }
      expect(failures).toEqual([])
    })
  }

  for (const v of relative.naive) {
    it(v.test, () => {
      const parsed = parseAbsoluteDate(v.naive, timezoneOffsetLookup(v.timezone))
      expect(parsed === undefined ? null : new Date(parsed.ms).toISOString()).toBe(v.expected === null ? null : new Date(Date.parse(v.expected)).toISOString())
    })
  }
})

interface FlagCase {
  test: string
  definitions: FlagDefinitionsResponse
  evaluations: Array<{
    subject: { distinct_id: string; device_id?: string; person_properties: Record<string, unknown>; groups?: Record<string, unknown>; group_properties?: Record<string, Record<string, unknown>> }
    expected: Record<string, { value?: boolean | string; reason?: string; reason_not?: string; condition_index?: number; one_of?: string[] }>
  }>
}

const flagMatching = vectors('flag-matching.json') as {
  cases: FlagCase[]
  distribution: Array<{ test: string; definitions: FlagDefinitionsResponse; distribution: { flag: string; shares: Record<string, number>; tolerance: number } }>
}

describe('server vectors: test_flag_matching.rs', () => {
  for (const c of flagMatching.cases) {
    it(c.test, () => {
      const compiled = compileFlags(c.definitions, { mode: 'server' })
      const failures: string[] = []
      for (const { subject, expected } of c.evaluations) {
        const s = {
          distinctId: subject.distinct_id,
          deviceId: subject.device_id,
          personProperties: subject.person_properties,
          groups: subject.groups as Record<string, string | number> | undefined,
          groupProperties: subject.group_properties,
        }
        for (const [key, want] of Object.entries(expected)) {
          const e = evaluateFlag(compiled, key, s)
          if (e.kind !== 'evaluated') {
            failures.push(`${subject.distinct_id} ${key}: ${e.kind}`)
            continue
          }
          const r = e.result
          const where = `${subject.distinct_id} ${key}`
          if (want.value !== undefined && r.value !== want.value) failures.push(`${where}: value ${JSON.stringify(r.value)}, server ${JSON.stringify(want.value)}`)
          if (want.one_of && !want.one_of.includes(String(r.value))) failures.push(`${where}: value ${JSON.stringify(r.value)}, server one of ${want.one_of}`)
          if (want.reason !== undefined && r.reason.code !== want.reason) failures.push(`${where}: reason ${r.reason.code}, server ${want.reason}`)
          if (want.reason_not !== undefined && r.reason.code === want.reason_not) failures.push(`${where}: reason ${r.reason.code}, server not that`)
          if (want.condition_index !== undefined && r.reason.conditionIndex !== want.condition_index) failures.push(`${where}: condition ${r.reason.conditionIndex}, server ${want.condition_index}`)
        }
      }
      expect(failures).toEqual([])
    })
  }

  for (const d of flagMatching.distribution) {
    it(d.test, () => {
      const compiled = compileFlags(d.definitions, { mode: 'server' })
      const counts: Record<string, number> = {}
      for (let i = 0; i < 1000; i++) {
        const e = evaluateFlag(compiled, d.distribution.flag, { distinctId: `user_${i}` })
        const v = e.kind === 'evaluated' ? String(e.result.value) : e.kind
        counts[v] = (counts[v] ?? 0) + 1
      }
      for (const [variant, share] of Object.entries(d.distribution.shares)) {
        expect(Math.abs((counts[variant] ?? 0) / 1000 - share), variant).toBeLessThan(d.distribution.tolerance)
      }
    })
  }
})
