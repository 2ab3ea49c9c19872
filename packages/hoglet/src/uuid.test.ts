import { describe, expect, it } from 'vitest'
import { Uuidv7Generator, isUuid, uuidv7 } from './uuid.js'

const V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const timestampOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
/** The 42-bit counter: rand_a's 12 bits, then the 30 bits of rand_b after the variant. */
const counterOf = (id: string): number => {
  const randA = parseInt(id.slice(15, 18), 16)
  const randB30 = (parseInt(id.slice(19, 23), 16) & 0x3fff) * 0x1_0000 + parseInt(id.slice(24, 28), 16)
  return randA * 0x4000_0000 + randB30
}

describe('uuidv7', () => {
  it('has version 7, the RFC variant and the time in its first 48 bits', () => {
    const now = Date.parse('2026-03-04T05:06:07.089Z')
    const id = new Uuidv7Generator().next(now)
    expect(id).toMatch(V7_PATTERN)
    expect(timestampOf(id)).toBe(now)
  })

  it('makes a million distinct, well-formed, strictly increasing ids', () => {
    let previous = ''
    const seen = new Set<string>()
    for (let i = 0; i < 1_000_000; i++) {
      const id = uuidv7()
      if (!(id > previous)) throw new Error(`id ${i} (${id}) does not sort after ${previous}`)
      seen.add(id)
      previous = id
    }
    expect(seen.size).toBe(1_000_000)
    expect(previous).toMatch(V7_PATTERN)
  })

  it('counts up by one within a millisecond and starts the count afresh in the next', () => {
    const generator = new Uuidv7Generator()
    const now = 1_767_225_600_000
    const ids = Array.from({ length: 1000 }, () => generator.next(now))
    for (const id of ids) expect(id).toMatch(V7_PATTERN)
    for (let i = 1; i < ids.length; i++) {
      expect(timestampOf(ids[i])).toBe(now)
      expect(counterOf(ids[i])).toBe(counterOf(ids[i - 1]) + 1)
    }
    // The count starts below half its range, so a millisecond has room for 2^41 ids.
    expect(counterOf(ids[0])).toBeLessThan(2 ** 41)
    const next = generator.next(now + 1)
    expect(timestampOf(next)).toBe(now + 1)
    expect(next > ids[ids.length - 1]).toBe(true)
  })

  it('keeps its random tail random: consecutive ids differ beyond the counter', () => {
    const generator = new Uuidv7Generator()
    const tails = new Set(Array.from({ length: 1000 }, () => generator.next(5_000).slice(28)))
    expect(tails.size).toBeGreaterThan(990)
  })

  it('moves the timestamp on by one millisecond when the counter runs out', () => {
    const generator = new Uuidv7Generator()
    const now = 1_767_225_600_000
    const before = generator.next(now)
    generator.counterHigh = 0xfff
    generator.counterLow = 0x3fff_fffe
    const last = generator.next(now)
    expect(counterOf(last)).toBe(2 ** 42 - 1)
    const overflowed = generator.next(now)
    expect(timestampOf(overflowed)).toBe(now + 1)
    expect(overflowed).toMatch(V7_PATTERN)
    expect(before < last && last < overflowed).toBe(true)
  })

  it('stays in order when the clock steps back a little and follows it when it steps back far', () => {
    const generator = new Uuidv7Generator()
    const first = generator.next(100_000)
    const stepBack = generator.next(99_000)
    expect(timestampOf(stepBack)).toBe(100_000)
    expect(stepBack > first).toBe(true)
    const farBack = generator.next(50_000)
    expect(timestampOf(farBack)).toBe(50_000)
  })

  it('sorts by time', () => {
    const generator = new Uuidv7Generator()
    expect(generator.next(1_000) < generator.next(2_000)).toBe(true)
  })

  it('gives separate generators in the same millisecond different ids', () => {
    const a = new Uuidv7Generator()
    const b = new Uuidv7Generator()
    const ids = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      ids.add(a.next(7_000))
      ids.add(b.next(7_000))
    }
    expect(ids.size).toBe(20_000)
  })
})

describe('isUuid', () => {
  it('accepts any textual UUID and refuses other strings', () => {
    expect(isUuid(uuidv7())).toBe(true)
    expect(isUuid('3F2504E0-4F89-11D3-9A0C-0305E82C3301')).toBe(true)
    expect(isUuid('3f2504e0-4f89-11d3-9a0c-0305e82c330')).toBe(false)
    expect(isUuid('not-a-uuid')).toBe(false)
  })
})
