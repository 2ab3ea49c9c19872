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

describe('decodeBody gzip output buffer', () => {
  // A large body's gzip trailer sizes the output buffer; what it says must never change the result.
  const text = JSON.stringify({ batch: Array.from({ length: 3000 }, (_, i) => ({ event: `e${i}`, properties: { i, s: 'x'.repeat(i % 50) } })) })
  const gz = gzipSync(Buffer.from(text))

  it('inflates a body whose trailer tells the truth', async () => {
    expect(gz.length).toBeGreaterThan(16 * 1024) // the large-input path
    expect(await decodeBody(gz, { contentEncoding: 'gzip', limit: 1 << 24 })).toBe(text)
  })

  it('gives the same text when the trailer says too little, too much or zero', async () => {
    for (const claimed of [0, 100, text.length - 1, text.length + 1, 0xffffffff]) {
      const lying = Buffer.from(gz)
      lying.writeUInt32LE(claimed, lying.length - 4)
      // zlib checks ISIZE itself once the data ends: a wrong one is refused as corrupt, as before.
      await expect(decodeBody(lying, { contentEncoding: 'gzip', limit: 1 << 24 })).rejects.toMatchObject({ status: 400 })
    }
  })

  it('joins the members of a multi-member gzip body and still enforces the limit', async () => {
    const half = text.length >> 1
    const two = Buffer.concat([gzipSync(Buffer.from(text.slice(0, half))), gzipSync(Buffer.from(text.slice(half)))])
    expect(await decodeBody(two, { contentEncoding: 'gzip', limit: 1 << 24 })).toBe(text)
    await expect(decodeBody(gz, { contentEncoding: 'gzip', limit: text.length - 1 })).rejects.toMatchObject({ status: 413 })
  })
})
