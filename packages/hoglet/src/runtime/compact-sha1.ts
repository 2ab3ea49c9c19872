/**
 * SHA-1 of the UTF-8 bytes of a string, as 40 lowercase hex digits: the web runtime's
 * `Runtime.sha1Hex`. Written for size, not speed (it loads with every edge client, and the
 * runtime asks for it rarely: nothing on the capture path does); flag bucketing uses the
 * engine's own faster SHA-1, which loads with the flag service. Not for security.
 */
export function sha1Hex(input: string): string {
  const data = new TextEncoder().encode(input) // lone surrogates become U+FFFD, as node:crypto encodes them
  const bytes = new Uint8Array((((data.length + 8) >> 6) + 1) * 64)
  bytes.set(data)
  bytes[data.length] = 0x80
  const view = new DataView(bytes.buffer)
  view.setUint32(bytes.length - 8, Math.floor(data.length / 0x20000000))
  view.setUint32(bytes.length - 4, data.length * 8)
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]
  const w = new Int32Array(80)
  const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n))
  for (let offset = 0; offset < bytes.length; offset += 64) {
    for (let i = 0; i < 80; i++) w[i] = i < 16 ? view.getInt32(offset + i * 4) : rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1)
    let [a, b, c, d, e] = h
    for (let i = 0; i < 80; i++) {
      const round = (i / 20) | 0
      const f = round === 0 ? (b & c) | (~b & d) : round === 2 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d
      const t = (rotl(a, 5) + f + e + [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6][round] + w[i]) | 0
      e = d
      d = c
      c = rotl(b, 30)
      b = a
      a = t
    }
    h[0] += a
    h[1] += b
    h[2] += c
    h[3] += d
    h[4] += e
  }
  return h.map((v) => (v >>> 0).toString(16).padStart(8, '0')).join('')
}
