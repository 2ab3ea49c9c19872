import { sha1Prefix60 } from './sha1.js'

/**
 * Maps a string to [0, 1]: the first 15 hex digits (60 bits) of its SHA-1, divided by
 * 0xFFFFFFFFFFFFFFF. That divisor rounds to 2^60 as a double, exactly as in PostHog's server
 * and SDKs, so the result matches them bit for bit.
 */
export type UnitHasher = (input: string) => number

const SCALE = 0xfffffffffffffff // == 2^60 as a double

/** Builds the unit hasher, from an injected hex SHA-1 (e.g. node:crypto) or the built-in one. */
export function createUnitHasher(sha1Hex?: (input: string) => string): UnitHasher {
  if (!sha1Hex) return (input) => sha1Prefix60(input) / SCALE
  return (input) => {
    const hex = sha1Hex(input)
    // Two exact parts (28 + 32 bits), summed with a single rounding, like Python's int → float.
    return (parseInt(hex.slice(0, 7), 16) * 0x100000000 + parseInt(hex.slice(7, 15), 16)) / SCALE
  }
}

/** Identifiers are hashed on their first 200 Unicode scalar values, as PostHog's server does. */
export const MAX_HASHED_IDENTIFIER_CODE_POINTS = 200

/** Cuts an identifier to its first 200 code points (strings of ≤ 200 UTF-16 units pass as is). */
export function truncateIdentifier(id: string): string {
  if (id.length <= MAX_HASHED_IDENTIFIER_CODE_POINTS) return id
  let count = 0
  let i = 0
  while (i < id.length && count < MAX_HASHED_IDENTIFIER_CODE_POINTS) {
    const c = id.charCodeAt(i)
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < id.length ? 2 : 1
    count++
  }
  return id.slice(0, i)
}

/**
 * The flag hashes. `bucketingValue` is the distinct id, device id or group key as a string.
 * An empty bucketing value hashes to 0.0 for rollout and variant (PostHog's server rule);
 * the holdout hash still hashes its `holdout-` prefix.
 */
export class FlagHasher {
  constructor(private readonly unit: UnitHasher) {}

  /** Rollout hash: `sha1("<flagKey>.<id>")`. */
  rollout(flagKey: string, bucketingValue: string): number {
    if (bucketingValue === '') return 0
    return this.unit(`${flagKey}.${truncateIdentifier(bucketingValue)}`)
  }

  /** Variant hash: `sha1("<flagKey>.<id>variant")`. */
  variant(flagKey: string, bucketingValue: string): number {
    if (bucketingValue === '') return 0
    return this.unit(`${flagKey}.${truncateIdentifier(bucketingValue)}variant`)
  }

  /** Holdout hash: `sha1("holdout-<id>")`, with no flag key and no salt. */
  holdout(bucketingValue: string): number {
    return this.unit(`holdout-${truncateIdentifier(bucketingValue)}`)
  }
}
