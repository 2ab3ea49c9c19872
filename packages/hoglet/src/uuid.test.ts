import { describe, expect, it } from 'vitest'
import { isUuid, uuidv7 } from './uuid.js'

describe('uuidv7', () => {
  it('has version 7, the RFC variant and the time in its first 48 bits', () => {
    const now = Date.parse('2026-03-04T05:06:07.089Z')
    const id = uuidv7(now)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now)
  })

  it('does not repeat across many ids in the same millisecond', () => {
    const now = Date.now()
    const ids = new Set(Array.from({ length: 20_000 }, () => uuidv7(now)))
    expect(ids.size).toBe(20_000)
  })

  it('sorts by time', () => {
    expect(uuidv7(1_000) < uuidv7(2_000)).toBe(true)
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
