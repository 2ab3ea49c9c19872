import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateAllFlags, evaluateFlag } from '../../src/engine/engine.js'
import type { FlagDefinitionsResponse } from '../../src/engine/engine.js'
import { createUnitHasher } from '../../src/engine/hash.js'

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'))
const vectors = fixture('hash-consistency.json')
const serverCases = fixture('server-cases.json')
const nodeSha1 = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex')

describe('hash consistency vectors (2000 results shared by every PostHog evaluator)', () => {
  for (const [name, sha1Hex] of [
    ['built-in SHA-1', undefined],
    ['node:crypto SHA-1', nodeSha1],
  ] as const) {
    it(`reproduces all 1000 simple-flag results with the ${name}`, () => {
      const compiled = compileFlags({ flags: [vectors.simple.flag] }, { sha1Hex })
      const got = vectors.simple.expected.map((_: unknown, i: number) => {
        const e = evaluateFlag(compiled, 'simple-flag', { distinctId: `distinct_id_${i}` })
        if (e.kind !== 'evaluated') throw new Error(`distinct_id_${i}: ${e.kind}`)
        return e.result.value
      })
      expect(got).toEqual(vectors.simple.expected)
    })

    it(`reproduces all 1000 multivariate-flag results with the ${name}`, () => {
      const compiled = compileFlags({ flags: [vectors.multivariate.flag] }, { sha1Hex })
      const got = vectors.multivariate.expected.map((_: unknown, i: number) => {
        const e = evaluateFlag(compiled, 'multivariate-flag', { distinctId: `distinct_id_${i}` })
        if (e.kind !== 'evaluated') throw new Error(`distinct_id_${i}: ${e.kind}`)
        return e.result.value
      })
      expect(got).toEqual(vectors.multivariate.expected)
    })
  }

  it('hashes the corpus strings to the exact published doubles', () => {
    for (const sha1Hex of [undefined, nodeSha1]) {
      const unit = createUnitHasher(sha1Hex)
      for (const v of vectors.hash_vectors) {
        expect(nodeSha1(v.hashed).slice(0, 15)).toBe(v.first15hex)
        expect(unit(v.hashed)).toBe(v.value)
      }
    }
  })
})

interface ServerCase {
  id: string
  definitions: FlagDefinitionsResponse
  context: { distinct_id: string; person_properties?: Record<string, unknown>; groups?: Record<string, string | number>; group_properties?: Record<string, Record<string, unknown>> }
  expected: Record<string, { value: boolean | string; payload: string | null; reason: { code: string; condition_index: number | null }; local_evaluation: 'conclusive' | 'inconclusive' | 'remote_only' }>
  omitted_flags?: string[]
}

function subjectOf(c: ServerCase) {
  return {
    distinctId: c.context.distinct_id,
    personProperties: c.context.person_properties,
    groups: c.context.groups,
    groupProperties: c.context.group_properties,
  }
}

describe('server cases: the answers of PostHog’s /flags service', () => {
  for (const c of serverCases.cases as ServerCase[]) {
    it(`${c.id}: server mode gives the server's value, payload and reason`, () => {
      const compiled = compileFlags(c.definitions, { mode: 'server' })
      const { results, inconclusive } = evaluateAllFlags(compiled, subjectOf(c))
      expect(inconclusive).toEqual([])
      for (const [key, want] of Object.entries(c.expected)) {
        const r = results[key]
        expect(r, key).toBeDefined()
        expect({ value: r.value, payload: r.rawPayload ?? null, code: r.reason.code, index: r.reason.conditionIndex }, key).toEqual({
          value: want.value,
          payload: want.payload,
          code: want.reason.code,
          index: want.reason.condition_index,
        })
        if (want.payload !== null) expect(r.payload).toEqual(JSON.parse(want.payload))
      }
      for (const key of c.omitted_flags ?? []) {
        expect(results[key].value).toBe(false)
        expect(results[key].reason.code).toBe('flag_disabled')
      }
    })

    it(`${c.id}: local mode matches the decidable flags and defers the rest`, () => {
      const compiled = compileFlags(c.definitions, { mode: 'local' })
      for (const [key, want] of Object.entries(c.expected)) {
        const e = evaluateFlag(compiled, key, subjectOf(c))
        if (want.local_evaluation === 'inconclusive') {
          expect(e.kind, key).toBe('inconclusive')
          continue
        }
        if (e.kind !== 'evaluated') throw new Error(`${key}: ${e.kind}`)
        expect({ value: e.result.value, payload: e.result.rawPayload ?? null, code: e.result.reason.code, index: e.result.reason.conditionIndex }).toEqual({
          value: want.value,
          payload: want.payload,
          code: want.reason.code,
          index: want.reason.condition_index,
        })
      }
    })
  }
})
