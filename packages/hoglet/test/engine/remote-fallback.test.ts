// When does the SDK need /flags? Only when the hidden properties could change the value. These
// tests hold the engine to that: every local answer, whatever is hidden, is the server's answer
// with complete properties; and the cases the rule is for are answered locally.
import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateFlag } from '../../src/engine/engine.js'
import type { EvaluationSubject, FlagDefinitionsResponse } from '../../src/engine/engine.js'
import { randomDefinitions, randomSubject, rng } from './random-definitions.js'

const now = () => Date.UTC(2026, 0, 31)

/** Every subject obtained by hiding a subset of the person properties and of the group properties. */
function* hidings(subject: EvaluationSubject): Generator<EvaluationSubject> {
  const person = Object.keys(subject.personProperties ?? {})
  const groupEntries = Object.entries(subject.groupProperties ?? {}).flatMap(([g, props]) => Object.keys(props).map((k) => [g, k] as const))
  const n = person.length + groupEntries.length
  for (let mask = 0; mask < 1 << n; mask++) {
    const personProperties: Record<string, unknown> = {}
    person.forEach((k, i) => {
      if (!(mask & (1 << i))) personProperties[k] = subject.personProperties![k]
    })
    const groupProperties: Record<string, Record<string, unknown>> = {}
    for (const g of Object.keys(subject.groupProperties ?? {})) groupProperties[g] = {}
    groupEntries.forEach(([g, k], i) => {
      if (!(mask & (1 << (person.length + i)))) groupProperties[g][k] = subject.groupProperties![g][k]
    })
    yield { ...subject, personProperties, groupProperties }
  }
}

describe('local answers with hidden properties', () => {
  it('are always the server-mode answer with complete properties, for every way of hiding them', () => {
    let decided = 0
    let compared = 0
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed)
      const defs = randomDefinitions(r)
      const local = compileFlags(defs, { mode: 'local', now })
      const server = compileFlags(defs, { mode: 'server', now })
      for (let s = 0; s < 3; s++) {
        const complete = randomSubject(r)
        for (const key of server.keys) {
          const truth = evaluateFlag(server, key, complete)
          if (truth.kind !== 'evaluated') throw new Error(`server mode must decide ${key}`)
          for (const partial of hidings(complete)) {
            compared++
            const e = evaluateFlag(local, key, partial)
            if (e.kind !== 'evaluated') continue
            decided++
            expect(e.result.value, `seed ${seed} subject ${s} ${key} with ${JSON.stringify(partial.personProperties)}`).toBe(truth.result.value)
            expect(e.result.payload).toEqual(truth.result.payload)
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(30_000)
    // A sanity floor, not a goal: most partial subjects still get a local answer.
    expect(decided / compared).toBeGreaterThan(0.3)
  })
})

describe('an inconclusive condition does not force /flags', () => {
  const plan = { key: 'plan', type: 'person', operator: 'exact', value: 'pro' }
  const email = { key: 'email', type: 'person', operator: 'icontains', value: '@acme' }
  const flag = (filters: Record<string, unknown>, extra: Record<string, unknown> = {}): FlagDefinitionsResponse => ({
    flags: [{ id: 1, key: 'f', active: true, filters, ...extra }],
  })
  const kind = (defs: FlagDefinitionsResponse, subject: EvaluationSubject) => {
    const e = evaluateFlag(compileFlags(defs, { now }), 'f', subject)
    return e.kind === 'evaluated' ? e.result.value : e.kind
  }
  const noPlan = { distinctId: 'user-1', personProperties: { email: 'x@acme.io' } }

  it('when a later condition matches with the value the inconclusive one would give', () => {
    expect(kind(flag({ groups: [{ properties: [plan] }, { properties: [email] }] }), noPlan)).toBe(true)
  })

  it('but not when the inconclusive condition carries a different variant override', () => {
    const variants = { variants: [{ key: 'a', rollout_percentage: 100 }, { key: 'b', rollout_percentage: 0 }] }
    expect(kind(flag({ groups: [{ properties: [plan], variant: 'b' }, { properties: [email] }], multivariate: variants }), noPlan)).toBe('inconclusive')
    expect(kind(flag({ groups: [{ properties: [plan], variant: 'a' }, { properties: [email] }], multivariate: variants }), noPlan)).toBe('a')
  })

  it('nor with early_exit, where the inconclusive condition could end the flag first', () => {
    expect(kind(flag({ groups: [{ properties: [plan], rollout_percentage: 0 }, { properties: [email] }], early_exit: true }), noPlan)).toBe('inconclusive')
  })

  it('when nothing matches and every inconclusive condition is outside its rollout anyway', () => {
    const groups = [{ properties: [], rollout_percentage: 0 }, { properties: [plan], rollout_percentage: 0 }]
    expect(kind(flag({ groups }), noPlan)).toBe(false)
    // An inconclusive condition inside its rollout could still match.
    expect(kind(flag({ groups: [{ properties: [plan], rollout_percentage: 100 }, { properties: [email], rollout_percentage: 0 }] }), noPlan)).toBe('inconclusive')
  })

  it('when experience continuity cannot change the value (no rollout or variant hashing)', () => {
    expect(kind(flag({ groups: [{ properties: [email] }] }, { ensure_experience_continuity: true }), noPlan)).toBe(true)
    expect(kind(flag({ groups: [{ properties: [email], rollout_percentage: 30 }] }, { ensure_experience_continuity: true }), noPlan)).toBe('inconclusive')
  })
})
