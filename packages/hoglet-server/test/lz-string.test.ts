import { describe, expect, it } from 'vitest'
import LZString from 'lz-string'
import { compressToBase64, decompressFromBase64 } from '../src/http/lz-string.js'

const samples = [
  '',
  'a',
  'hello world',
  '{"event":"$pageview","properties":{"distinct_id":"user-1","$current_url":"https://example.com/"}}',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'unicode: héllo wörld, 日本語, emoji 🦔 and a lone high surrogate \ud800',
  JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ event: `e${i % 7}`, distinct_id: `u${i}` }))),
]

describe('lz-string base64 codec', () => {
  it('decodes what the reference lz-string library encodes', () => {
    for (const s of samples) expect(decompressFromBase64(LZString.compressToBase64(s))).toBe(s)
  })

  it('encodes exactly like the reference library', () => {
    for (const s of samples) expect(compressToBase64(s)).toBe(LZString.compressToBase64(s))
  })

  it('round-trips random text of every size', () => {
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let n = 0; n < 300; n += 7) {
      const s = Array.from({ length: n }, () => String.fromCharCode(rand() < 0.8 ? 32 + Math.floor(rand() * 20) : Math.floor(rand() * 0x3000))).join('')
      expect(decompressFromBase64(compressToBase64(s))).toBe(s)
      expect(LZString.decompressFromBase64(compressToBase64(s))).toBe(s)
    }
  })

  it('decodes a fixed known encoding', () => {
    // lz-string 1.5 `compressToBase64('hello world')`.
    expect(decompressFromBase64('BYUwNmD2AEDukCcwBMg=')).toBe('hello world')
  })

  it('refuses text that is not an lz64 stream', () => {
    expect(() => decompressFromBase64('not lz64 at all!')).toThrow()
    expect(decompressFromBase64('////')).toBeNull()
  })
})
