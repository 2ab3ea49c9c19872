import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeBody } from './decode.js'

describe('decodeBody text', () => {
  it('gives the UTF-8 text of ASCII and non-ASCII bodies, plain or gzipped', async () => {
    const texts = ['{"event":"plain ascii","n":1}', '{"event":"café ☕ 日本 😀","q":"\\u00e9"}', '\u007f\u0000x', 'x'.repeat(70_000) + 'é']
    for (const text of texts) {
      const bytes = Buffer.from(text, 'utf8')
      expect(await decodeBody(bytes, { limit: 1 << 20 })).toBe(text)
      expect(await decodeBody(gzipSync(bytes), { contentEncoding: 'gzip', limit: 1 << 20 })).toBe(text)
    }
    // Bytes that are not UTF-8 decode as Node's UTF-8 decoder gives them (replacement characters).
    const invalid = Buffer.from([0x7b, 0xff, 0xfe, 0x7d])
    expect(await decodeBody(invalid, { limit: 1 << 20 })).toBe(invalid.toString('utf8'))
  })
})
