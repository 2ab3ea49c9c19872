/**
 * UUID v7 (RFC 9562): 48-bit Unix milliseconds, a 42-bit counter, then 32 random bits.
 *
 * The counter (the 12 bits of `rand_a` and the top 30 bits of `rand_b`, RFC 9562 §6.2
 * method 1) starts at a random value in each new millisecond and counts up by one for every
 * further id in that millisecond, so ids from one process are strictly increasing and
 * consecutive ids share most of their digits: a batch of them gzips to a fraction of the
 * bytes that fully random bits take. The random start and the random tail keep ids from
 * different processes apart. The counter's top bit starts clear, leaving at least 2^41 ids
 * per millisecond; should it still run out, the timestamp moves on by one millisecond.
 * A clock that steps back keeps the last timestamp (ids stay in order) unless it steps
 * back by more than ten seconds, when the generator follows the clock again.
 *
 * Random bytes come from a pooled buffer filled by `crypto.getRandomValues` in large chunks,
 * so one id costs no syscall and almost no garbage.
 */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
// 16 KiB: one getRandomValues call per 4,096 ids (the Web Crypto limit for one call is 64 KiB).
const POOL_SIZE = 16_384
const pool = new Uint8Array(POOL_SIZE)
let poolOffset = POOL_SIZE

const COUNTER_LOW_LIMIT = 0x4000_0000 // 2^30: the low part lives in rand_b after the variant bits
const COUNTER_HIGH_LIMIT = 0x1000 // 2^12: the high part is rand_a
const ROLLBACK_ALLOWANCE_MS = 10_000

/** Offset of `count` fresh random bytes in the pool. */
function takeRandom(count: number): number {
  if (poolOffset + count > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const offset = poolOffset
  poolOffset += count
  return offset
}

/** The generator's state; one shared instance serves `uuidv7()`. Exported for its tests. */
export class Uuidv7Generator {
  lastMs = -1
  counterHigh = 0
  counterLow = 0

  /** The first 24 characters of the last id: timestamp, version, counter but its low 16 bits. */
  #prefix = ''
  #prefixMs = -1
  #prefixHigh = -1
  #prefixMid = -1

  /** A fresh id stamped with `now` (Unix milliseconds), greater than every id made before. */
  next(now: number): string {
    const ms = this.#advance(Math.floor(now))
    const a = this.counterHigh
    const c = this.counterLow
    const mid = c >>> 16
    // Ids of one millisecond share their first 24 characters: made once, not per id.
    if (ms !== this.#prefixMs || a !== this.#prefixHigh || mid !== this.#prefixMid) {
      this.#prefix = prefixOf(ms, a, mid)
      this.#prefixMs = ms
      this.#prefixHigh = a
      this.#prefixMid = mid
    }
    const r = takeRandom(4)
    const p = pool
    // Under 13 characters V8 copies each concatenation into one flat string: the id is then
    // two flat parts, not a rope of twenty that JSON.stringify has to flatten.
    const tail = HEX[(c >>> 8) & 0xff] + HEX[c & 0xff] + HEX[p[r]] + HEX[p[r + 1]] + HEX[p[r + 2]] + HEX[p[r + 3]]
    return this.#prefix + tail
  }

  /** Moves to `now` and returns the timestamp the next id carries. */
  #advance(now: number): number {
    if (now > this.lastMs || now < this.lastMs - ROLLBACK_ALLOWANCE_MS) {
      this.lastMs = now
      this.#reseed()
      return now
    }
    this.counterLow++
    if (this.counterLow === COUNTER_LOW_LIMIT) {
      this.counterLow = 0
      this.counterHigh++
      if (this.counterHigh === COUNTER_HIGH_LIMIT) {
        this.lastMs++
        this.#reseed()
      }
    }
    return this.lastMs
  }

  #reseed(): void {
    const r = takeRandom(6)
    const p = pool
    this.counterHigh = ((p[r] << 8) | p[r + 1]) & 0x7ff // top bit clear: room to count up
    this.counterLow = ((p[r + 2] << 24) | (p[r + 3] << 16) | (p[r + 4] << 8) | p[r + 5]) & 0x3fff_ffff
  }
}

/** `tttttttt-tttt-7aaa-8bbb-`: the 48-bit timestamp, rand_a, the variant and the counter's bits above its low 16. */
function prefixOf(ms: number, a: number, mid: number): string {
  // Bit operators only see 32 bits: the timestamp's high 16 bits and low 32 bits apart.
  const high = Math.floor(ms / 0x1_0000_0000)
  const low = ms >>> 0
  return (
    HEX[(high >>> 8) & 0xff] +
    HEX[high & 0xff] +
    HEX[low >>> 24] +
    HEX[(low >>> 16) & 0xff] +
    '-' +
    HEX[(low >>> 8) & 0xff] +
    HEX[low & 0xff] +
    '-' +
    HEX[0x70 | (a >>> 8)] +
    HEX[a & 0xff] +
    '-' +
    HEX[0x80 | (mid >>> 8)] +
    HEX[mid & 0xff] +
    '-'
  )
}

const shared = new Uuidv7Generator()

/**
 * A fresh UUID v7 string, e.g. `0194cc39-4a1b-7c3d-9e2f-0123456789ab`. `now` is the time to
 * stamp (Unix milliseconds); ids are increasing in the order they are made.
 */
export function uuidv7(now: number = Date.now()): string {
  return shared.next(now)
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for any RFC 9562 textual UUID (any version); PostHog rejects a batch with an invalid one. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value)
}
