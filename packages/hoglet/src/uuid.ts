/**
 * UUID v7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered ids keep
 * PostHog's de-duplication index happy. Random bytes come from a pooled buffer filled by
 * `crypto.getRandomValues` in large chunks, so one id costs no syscall and almost no garbage.
 */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const POOL_SIZE = 16 * 256
const pool = new Uint8Array(POOL_SIZE)
let poolOffset = POOL_SIZE

function takeRandom10(): number {
  if (poolOffset + 10 > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const offset = poolOffset
  poolOffset += 10
  return offset
}

/** A fresh UUID v7 string, e.g. `0194cc39-4a1b-7c3d-9e2f-0123456789ab`. */
export function uuidv7(now: number = Date.now()): string {
  const r = takeRandom10()
  const p = pool
  // 48-bit timestamp: high 16 bits and low 32 bits (bit operators only see 32 bits).
  const high = Math.floor(now / 0x1_0000_0000)
  const low = now >>> 0
  return (
    HEX[(high >>> 8) & 0xff] +
    HEX[high & 0xff] +
    HEX[low >>> 24] +
    HEX[(low >>> 16) & 0xff] +
    '-' +
    HEX[(low >>> 8) & 0xff] +
    HEX[low & 0xff] +
    '-' +
    HEX[0x70 | (p[r] & 0x0f)] +
    HEX[p[r + 1]] +
    '-' +
    HEX[0x80 | (p[r + 2] & 0x3f)] +
    HEX[p[r + 3]] +
    '-' +
    HEX[p[r + 4]] +
    HEX[p[r + 5]] +
    HEX[p[r + 6]] +
    HEX[p[r + 7]] +
    HEX[p[r + 8]] +
    HEX[p[r + 9]]
  )
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for any RFC 9562 textual UUID (any version); PostHog rejects a batch with an invalid one. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value)
}
