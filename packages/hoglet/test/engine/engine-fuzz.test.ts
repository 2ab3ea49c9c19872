import { describe, expect, it } from 'vitest'
import { compileFlags, evaluateAllFlags, evaluateFlag } from '../../src/engine/engine.js'
import type { EvaluationSubject } from '../../src/engine/engine.js'
import { randomDefinitions, randomSubject, rng } from './random-definitions.js'

describe('engine on random definitions and subjects', () => {
  it('never throws and always answers with a valid outcome', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed)
      const defs = randomDefinitions(r)
      for (const mode of ['local', 'server'] as const) {
        const compiled = compileFlags(defs, { mode, now: () => Date.UTC(2026, 0, 31) })
        for (let s = 0; s < 10; s++) {
          const subject = randomSubject(r)
          const { results, inconclusive } = evaluateAllFlags(compiled, subject)
          expect(Object.keys(results).length + inconclusive.length, `seed ${seed}`).toBe(defs.flags.length)
          if (mode === 'server') expect(inconclusive, `seed ${seed}`).toEqual([])
          for (const key of compiled.keys) {
            const e = evaluateFlag(compiled, key, subject)
            expect(['evaluated', 'inconclusive'], `seed ${seed}`).toContain(e.kind)
            if (e.kind === 'evaluated') expect(e.result, `seed ${seed} ${key}`).toBe(results[key])
          }
        }
      }
    }
  })

  it('reads malformed subjects as "nothing known" instead of throwing', () => {
    const compiled = compileFlags(randomDefinitions(rng(7)))
    const junk = [null, undefined, 'user', 42, { distinctId: 5 }, { distinctId: 'u', personProperties: 'plan=pro', groups: 'acme', groupProperties: 7 }, { distinctId: 'u', groups: { company: null }, personProperties: null }]
    for (const subject of junk) {
      for (const key of compiled.keys) {
        expect(() => evaluateFlag(compiled, key, subject as unknown as EvaluationSubject)).not.toThrow()
      }
      expect(() => evaluateAllFlags(compiled, subject as unknown as EvaluationSubject)).not.toThrow()
    }
  })

  it('a conclusive local answer is the value the server gives', () => {
    let compared = 0
    for (let seed = 1; seed <= 1000; seed++) {
      const r = rng(seed)
      const defs = randomDefinitions(r)
      const now = () => Date.UTC(2026, 0, 31)
      const local = compileFlags(defs, { mode: 'local', now })
      const server = compileFlags(defs, { mode: 'server', now })
      for (let s = 0; s < 10; s++) {
        const subject = randomSubject(r)
        const l = evaluateAllFlags(local, subject).results
        const v = evaluateAllFlags(server, subject).results
        for (const key of Object.keys(l)) {
          compared++
          expect(l[key].value, `seed ${seed} subject ${s} ${key}`).toBe(v[key].value)
        }
      }
    }
    expect(compared).toBeGreaterThan(2000)
  })
})
