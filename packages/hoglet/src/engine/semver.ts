/**
 * Semantic versions for the `semver_*` operators, with PostHog's server rules: a leading `v`
 * is stripped, missing minor/patch are 0, leading zeros are dropped, and pre-release tags
 * count (`1.2.3-beta` < `1.2.3`); build metadata is ignored.
 */

export interface Semver {
  major: number
  minor: number
  patch: number
  /** Pre-release identifiers; empty for a release. */
  pre: readonly (string | number)[]
}

const SEMVER = /^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

/** Parses a version; undefined when it is not one. Numbers are read through their text. */
export function parseSemver(value: unknown): Semver | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const m = SEMVER.exec(String(value).trim())
  if (!m) return undefined
  const major = Number(m[1])
  const minor = m[2] === undefined ? 0 : Number(m[2])
  const patch = m[3] === undefined ? 0 : Number(m[3])
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor) || !Number.isSafeInteger(patch)) return undefined
  let pre: (string | number)[] = []
  if (m[4] !== undefined) {
    const parts = m[4].split('.')
    if (parts.some((p) => p === '')) return undefined
    pre = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p))
  }
  return { major, minor, patch, pre }
}

/** Semver precedence: negative, zero or positive. */
export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major - b.major
  if (a.minor !== b.minor) return a.minor - b.minor
  if (a.patch !== b.patch) return a.patch - b.patch
  return comparePre(a.pre, b.pre)
}

function comparePre(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length // a release outranks its pre-releases
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x - y
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

/** A half-open range `[lower, upper)`; `upper` compares on the numeric triple only. */
export interface SemverRange {
  lower: Semver
  upper: Semver | undefined
}

function release(major: number, minor: number, patch: number): Semver {
  return { major, minor, patch, pre: [] }
}

/** `~X.Y.Z`: at least X.Y.Z, below X.(Y+1).0. */
export function tildeRange(v: Semver): SemverRange {
  return { lower: v, upper: release(v.major, v.minor + 1, 0) }
}

/** `^X.Y.Z`: up to the next change of the left-most non-zero part. */
export function caretRange(v: Semver): SemverRange {
  if (v.major > 0) return { lower: v, upper: release(v.major + 1, 0, 0) }
  if (v.minor > 0) return { lower: v, upper: release(0, v.minor + 1, 0) }
  return { lower: v, upper: release(0, 0, v.patch + 1) }
}

/** `1.2.*`, `1.*`, `*` (also `1.2.x`); undefined when the pattern is not one of these. */
export function wildcardRange(pattern: unknown): SemverRange | undefined {
  if (typeof pattern !== 'string' && typeof pattern !== 'number') return undefined
  const text = String(pattern).trim().replace(/^[vV]/, '')
  const m = /^(?:(\d+)(?:\.(\d+))?(?:\.(\d+))?)?(?:\.?[*xX])?$/.exec(text)
  if (!m || text === '') return undefined
  if (m[1] === undefined) return { lower: release(0, 0, 0), upper: undefined } // `*`
  const major = Number(m[1])
  if (m[2] === undefined) return { lower: release(major, 0, 0), upper: release(major + 1, 0, 0) }
  const minor = Number(m[2])
  if (m[3] === undefined) return { lower: release(major, minor, 0), upper: release(major, minor + 1, 0) }
  const patch = Number(m[3])
  return { lower: release(major, minor, patch), upper: release(major, minor, patch + 1) }
}

/**
 * Whether `v` lies in the range. The upper bound compares the numeric triple only, so
 * `1.3.0-beta` is not inside `~1.2.0` (like npm's `<1.3.0-0`).
 */
export function inRange(v: Semver, range: SemverRange): boolean {
  if (compareSemver(v, range.lower) < 0) return false
  const u = range.upper
  if (!u) return true
  if (v.major !== u.major) return v.major < u.major
  if (v.minor !== u.minor) return v.minor < u.minor
  return v.patch < u.patch
}
