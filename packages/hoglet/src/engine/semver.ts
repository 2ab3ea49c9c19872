/**
 * Semantic versions for the `semver_*` operators, read as PostHog's server reads them: a
 * leading `v` is stripped and the text trimmed, the numeric core is padded to three parts and
 * loses leading zeros (`3.08` = `3.8.0`), then the result must be strict semver. Pre-release
 * tags count (`1.2.3-beta` < `1.2.3`); build metadata counts for equality and order (as the
 * server's semver library orders versions) but not for ranges. Ranges (`~`, `^`, wildcards)
 * follow Cargo's requirement rules, including that a pre-release only satisfies a requirement
 * naming a pre-release of the same `major.minor.patch`.
 */
import { stringForm } from './operators-values.js'

export interface Semver {
  major: number
  minor: number
  patch: number
  /** Pre-release identifiers; empty for a release. */
  pre: readonly (string | number)[]
  /** Build metadata identifiers; empty when none. */
  build: readonly string[]
}

const NUMERIC_ID = /^(?:0|[1-9]\d*)$/
const ID = /^[0-9A-Za-z-]+$/
const STRICT = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/

/** `v1.2` → `1.2`: strip one leading lower-case `v`, then surrounding white space. */
export function normalizeVersionText(text: string): string {
  return (text.startsWith('v') ? text.slice(1) : text).trim()
}

function stripLeadingZeros(part: string): string {
  if (part === '' || !/^\d+$/.test(part)) return part
  const trimmed = part.replace(/^0+/, '')
  return trimmed === '' ? '0' : trimmed
}

/** Pads the numeric core to three parts and drops leading zeros; the `-`/`+` suffix is kept as is. */
export function canonicalVersionText(text: string): string {
  const cut = text.search(/[-+]/)
  const core = cut < 0 ? text : text.slice(0, cut)
  const suffix = cut < 0 ? '' : text.slice(cut)
  const parts = core.split('.').map(stripLeadingZeros)
  while (parts.length < 3) parts.push('0')
  return parts.join('.') + suffix
}

function parseStrict(text: string): Semver | undefined {
  const m = STRICT.exec(text)
  if (!m) return undefined
  const major = Number(m[1])
  const minor = Number(m[2])
  const patch = Number(m[3])
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor) || !Number.isSafeInteger(patch)) return undefined
  let pre: (string | number)[] = []
  if (m[4] !== undefined) {
    const ids = m[4].split('.')
    if (ids.some((p) => !ID.test(p) || (/^\d+$/.test(p) && !NUMERIC_ID.test(p)))) return undefined
    pre = ids.map((p) => (/^\d+$/.test(p) ? Number(p) : p))
  }
  let build: string[] = []
  if (m[5] !== undefined) {
    build = m[5].split('.')
    if (build.some((p) => !ID.test(p))) return undefined
  }
  return { major, minor, patch, pre, build }
}

/** A property or filter value as a version; undefined when it is not one. */
export function parseSemver(value: unknown): Semver | undefined {
  return parseStrict(canonicalVersionText(normalizeVersionText(stringForm(value))))
}

function compareCore(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major - b.major
  if (a.minor !== b.minor) return a.minor - b.minor
  if (a.patch !== b.patch) return a.patch - b.patch
  return comparePre(a.pre, b.pre)
}

/** Version order: precedence, then build metadata (so `1.0.0+a` ≠ `1.0.0`). */
export function compareSemver(a: Semver, b: Semver): number {
  return compareCore(a, b) || compareBuild(a.build, b.build)
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

function compareBuild(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (x === y) continue
    const xn = /^\d+$/.test(x)
    const yn = /^\d+$/.test(y)
    if (xn && yn) {
      const xs = x.replace(/^0+/, '')
      const ys = y.replace(/^0+/, '')
      if (xs.length !== ys.length) return xs.length - ys.length
      if (xs !== ys) return xs < ys ? -1 : 1
      return x.length - y.length
    }
    if (xn !== yn) return xn ? -1 : 1
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

interface Bound {
  version: Semver
  inclusive: boolean
}

/** One comparator as bounds, plus the release whose pre-releases it admits. */
interface Comparator {
  lower: Bound | undefined
  upper: Bound | undefined
  preOf: Semver | undefined
}

/** A version requirement: every comparator must hold. */
export type Requirement = readonly Comparator[]

function release(major: number, minor: number, patch: number, pre: readonly (string | number)[] = []): Semver {
  return { major, minor, patch, pre, build: [] }
}

const COMPARATOR = /^(=|>=|<=|>|<|~|\^)?\s*(\d+|[*xX])(?:\.(\d+|[*xX]))?(?:\.(\d+|[*xX]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

function parseComparator(text: string): Comparator | undefined {
  const m = COMPARATOR.exec(text.trim())
  if (!m) return undefined
  const op = m[1] ?? '^'
  const parts = [m[2], m[3], m[4]]
  const wild = (p: string | undefined) => p === '*' || p === 'x' || p === 'X'
  // A wildcard ends the version: nothing but wildcards may follow it, and no pre-release.
  const firstWild = parts.findIndex(wild)
  if (firstWild >= 0 && (parts.slice(firstWild).some((p) => p !== undefined && !wild(p)) || m[5] !== undefined)) return undefined
  const numbers: number[] = []
  for (const p of parts) {
    if (p === undefined || wild(p)) break
    if (!NUMERIC_ID.test(p)) return undefined
    numbers.push(Number(p))
  }
  if (firstWild === 0) return m[1] === undefined ? { lower: undefined, upper: undefined, preOf: undefined } : undefined
  let pre: (string | number)[] = []
  if (m[5] !== undefined) {
    if (numbers.length < 3) return undefined
    const parsed = parseStrict(`${numbers.join('.')}-${m[5]}`)
    if (!parsed) return undefined
    pre = [...parsed.pre]
  }
  const [major, minor, patch] = numbers
  const at = (v: Semver, inclusive: boolean): Bound => ({ version: v, inclusive })
  const base = release(major, minor ?? 0, patch ?? 0, pre)
  const preOf = pre.length > 0 ? base : undefined
  const nextMajor = at(release(major + 1, 0, 0), false)
  const nextMinor = minor === undefined ? nextMajor : at(release(major, minor + 1, 0), false)
  const effective = firstWild >= 0 ? '=' : op
  switch (effective) {
    case '=':
      if (patch !== undefined) return { lower: at(base, true), upper: at(base, true), preOf }
      return { lower: at(base, true), upper: nextMinor, preOf }
    case '>':
      if (patch !== undefined) return { lower: at(base, false), upper: undefined, preOf }
      return { lower: { version: nextMinor.version, inclusive: true }, upper: undefined, preOf }
    case '>=':
      return { lower: at(base, true), upper: undefined, preOf }
    case '<':
      return { lower: undefined, upper: at(base, false), preOf }
    case '<=':
      if (patch !== undefined) return { lower: undefined, upper: at(base, true), preOf }
      return { lower: undefined, upper: nextMinor, preOf }
    case '~':
      return { lower: at(base, true), upper: nextMinor, preOf }
    default: {
      // `^`: up to the next change of the left-most non-zero part that was written.
      if (major > 0 || minor === undefined) return { lower: at(base, true), upper: nextMajor, preOf }
      if (minor > 0 || patch === undefined) return { lower: at(base, true), upper: nextMinor, preOf }
      return { lower: at(base, true), upper: at(release(0, 0, patch + 1), false), preOf }
    }
  }
}

/** Parses a requirement (`~1.2.3`, `^1.2.3`, `1.2.x`, `>=1.0, <2`, `*`); undefined when invalid. */
export function parseRequirement(text: string): Requirement | undefined {
  const comparators: Comparator[] = []
  for (const piece of text.split(',')) {
    const c = parseComparator(piece)
    if (!c) return undefined
    comparators.push(c)
  }
  return comparators
}

export function satisfies(v: Semver, requirement: Requirement): boolean {
  for (const c of requirement) {
    if (c.lower) {
      const cmp = compareCore(v, c.lower.version)
      if (cmp < 0 || (cmp === 0 && !c.lower.inclusive)) return false
    }
    if (c.upper) {
      const cmp = compareCore(v, c.upper.version)
      if (cmp > 0 || (cmp === 0 && !c.upper.inclusive)) return false
    }
  }
  if (v.pre.length === 0) return true
  return requirement.some((c) => c.preOf !== undefined && c.preOf.major === v.major && c.preOf.minor === v.minor && c.preOf.patch === v.patch)
}

/** The requirement a `semver_tilde` / `semver_caret` / `semver_wildcard` filter value stands for. */
export function requirementFor(operator: 'semver_tilde' | 'semver_caret' | 'semver_wildcard', value: unknown): Requirement | undefined {
  const text = normalizeVersionText(stringForm(value))
  if (operator === 'semver_tilde') return parseRequirement(`~${canonicalVersionText(text)}`)
  if (operator === 'semver_caret') return parseRequirement(`^${canonicalVersionText(text)}`)
  return parseRequirement(text.split('.').map(stripLeadingZeros).join('.').replace(/\*/g, 'x'))
}
