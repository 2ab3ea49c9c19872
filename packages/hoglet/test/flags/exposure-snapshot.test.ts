import { describe, expect, it } from 'vitest'
import { ExposureDeduper, ExposureReporter, exposureProperties, type Exposure, type ExposureEvent } from '../../src/flags/exposure.js'
import { FeatureFlagEvaluations } from '../../src/public-exports.js'
import { FlagSnapshot, type FlagRecord, type SnapshotContext } from '../../src/flags/snapshot.js'
import type { FlagsLogger } from '../../src/flags/flag-api.js'

const warnings: string[] = []
const logger: FlagsLogger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} }

describe('$feature_flag_called properties', () => {
  it('carries every remote property when present (posthog-node sends no payload)', () => {
    expect(
      exposureProperties({
        distinctId: 'u',
        key: 'exp',
        response: 'test',
        groups: undefined,
        disableGeoip: undefined,
        locallyEvaluated: false,
        payload: { a: 1 },
        requestId: 'req-9',
        evaluatedAt: 1700000000000,
        reason: 'Matched condition set 2',
        id: 12,
        version: 4,
        hasExperiment: true,
        errors: ['errors_while_computing_flags'],
      }),
    ).toEqual({
      $feature_flag: 'exp',
      $feature_flag_response: 'test',
      locally_evaluated: false,
      '$feature/exp': 'test',
      $feature_flag_request_id: 'req-9',
      $feature_flag_evaluated_at: 1700000000000,
      $feature_flag_reason: 'Matched condition set 2',
      $feature_flag_id: 12,
      $feature_flag_version: 4,
      $feature_flag_has_experiment: true,
      $feature_flag_error: 'errors_while_computing_flags',
    })
  })

  it('leaves an unknown value out (as posthog-node does) and joins several error codes', () => {
    const props = exposureProperties({ distinctId: 'u', key: 'gone', response: undefined, groups: undefined, disableGeoip: undefined, locallyEvaluated: false, errors: ['errors_while_computing_flags', 'flag_missing'] })
    expect(props).toEqual({ $feature_flag: 'gone', locally_evaluated: false, $feature_flag_error: 'errors_while_computing_flags,flag_missing' })
  })
})

describe('exposure deduplication', () => {
  it('fires once per distinct id, flag, value and group context (group key order does not matter)', () => {
    const d = new ExposureDeduper(100)
    expect(d.firstTime('u1', 'f', true, undefined)).toBe(true)
    expect(d.firstTime('u1', 'f', true, undefined)).toBe(false)
    expect(d.firstTime('u1', 'f', false, undefined)).toBe(true)
    expect(d.firstTime('u1', 'g', true, undefined)).toBe(true)
    expect(d.firstTime('u2', 'f', true, undefined)).toBe(true)
    expect(d.firstTime('u1', 'f', true, { company: 'a', team: 'b' })).toBe(true)
    expect(d.firstTime('u1', 'f', true, { team: 'b', company: 'a' })).toBe(false)
    expect(d.firstTime('u1', 'f', true, { team: 'b', company: 'c' })).toBe(true)
  })

  it('is bounded: the least recently seen distinct id is forgotten first', () => {
    const d = new ExposureDeduper(2)
    d.firstTime('a', 'f', true, undefined)
    d.firstTime('b', 'f', true, undefined)
    d.firstTime('a', 'g', true, undefined) // touches a
    d.firstTime('c', 'f', true, undefined) // evicts b
    expect(d.size).toBe(2)
    expect(d.firstTime('a', 'f', true, undefined)).toBe(false)
    expect(d.firstTime('b', 'f', true, undefined)).toBe(true)
  })

  it('the reporter captures deduplicated events with $groups and never throws', () => {
    const events: ExposureEvent[] = []
    const r = new ExposureReporter((e) => events.push(e), 10, logger)
    const e: Exposure = { distinctId: 'u', key: 'f', response: true, groups: { org: 'x' }, disableGeoip: true, locallyEvaluated: true }
    r.report(e)
    r.report(e)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ distinctId: 'u', event: '$feature_flag_called', groups: { org: 'x' }, disableGeoip: true })
    const throwing = new ExposureReporter(() => {
      throw new Error('capture broke')
    }, 10, logger)
    expect(() => throwing.report(e)).not.toThrow()
  })
})

function record(key: string, enabled: boolean, variant?: string, extra: Partial<FlagRecord> = {}): FlagRecord {
  return { key, enabled, variant, payload: undefined, locallyEvaluated: true, id: 1, version: undefined, reason: undefined, hasExperiment: undefined, ...extra }
}

function snapshot(ctx: Partial<SnapshotContext> = {}): { snap: FlagSnapshot; fired: Exposure[] } {
  const fired: Exposure[] = []
  const records = new Map<string, FlagRecord>([
    ['on', record('on', true, undefined, { payload: { x: 1 }, id: 5 })],
    ['off', record('off', false)],
    ['multi', record('multi', true, 'test', { locallyEvaluated: false, id: 9, version: 2, reason: { code: 'condition_match', conditionIndex: 0, description: 'Matched condition set 1' } })],
  ])
  const snap = new FlagSnapshot(
    records,
    { distinctId: 'user', groups: undefined, disableGeoip: undefined, requestId: 'req', evaluatedAt: 123, errorsWhileComputingFlags: false, quotaLimited: false, definitionsLoadedAt: 1000, ...ctx },
    (e) => fired.push(e),
    logger,
  )
  return { snap, fired }
}

describe('FeatureFlagEvaluations snapshot', () => {
  it('is an instance of the public FeatureFlagEvaluations class, and so are its slices and the empty snapshot', () => {
    const { snap } = snapshot()
    for (const value of [snap, snap.only(['on']), snap.onlyAccessed(), FlagSnapshot.empty()]) expect(value).toBeInstanceOf(FeatureFlagEvaluations)
    expect({ isEnabled: () => true }).not.toBeInstanceOf(FeatureFlagEvaluations)
  })

  it('answers isEnabled / getFlag / getFlagPayload from the snapshot', () => {
    const { snap } = snapshot()
    expect(snap.keys).toEqual(['on', 'off', 'multi'])
    expect(snap.isEnabled('on')).toBe(true)
    expect(snap.isEnabled('off', { defaultValue: true })).toBe(false)
    expect(snap.isEnabled('absent', { defaultValue: true })).toBe(true)
    expect(snap.isEnabled('multi')).toBe(true)
    expect(snap.getFlag('multi')).toBe('test')
    expect(snap.getFlag('off')).toBe(false)
    expect(snap.getFlag('absent')).toBeUndefined()
    expect(snap.getFlagPayload('on')).toEqual({ x: 1 })
    expect(snap.getFlagPayload('off')).toBeUndefined()
  })

  it('fires an exposure per access, flag_missing for absent keys, none for payload reads', () => {
    const { snap, fired } = snapshot()
    snap.getFlagPayload('on')
    expect(fired).toHaveLength(0)
    snap.isEnabled('on')
    snap.getFlag('multi')
    snap.getFlag('absent')
    expect(fired).toHaveLength(3)
    expect(fired[0]).toMatchObject({ key: 'on', response: true, locallyEvaluated: true, reason: 'Evaluated locally', id: 5, requestId: 'req', definitionsLoadedAt: 1000 })
    expect(fired[0]!.evaluatedAt).toBeGreaterThan(1000) // local: the time of the read
    expect(fired[1]).toMatchObject({ key: 'multi', response: 'test', locallyEvaluated: false, reason: 'Matched condition set 1', id: 9, version: 2, requestId: 'req', evaluatedAt: 123 })
    expect(fired[2]).toMatchObject({ key: 'absent', response: undefined, errors: ['flag_missing'] })
  })

  it('stamps pinned error state on exposures', () => {
    const { snap, fired } = snapshot({ errorsWhileComputingFlags: true, quotaLimited: true })
    snap.getFlag('on')
    expect(fired[0]!.errors).toEqual(['errors_while_computing_flags', 'quota_limited'])
  })

  it('only() and onlyAccessed() make independent copies', () => {
    const { snap } = snapshot()
    warnings.length = 0
    const subset = snap.only(['on', 'nope'])
    expect(subset.keys).toEqual(['on'])
    expect(warnings[0]).toContain('nope')
    expect(snap.onlyAccessed().keys).toEqual([])
    snap.getFlag('multi')
    const accessed = snap.onlyAccessed()
    expect(accessed.keys).toEqual(['multi'])
    accessed.getFlag('multi')
    subset.isEnabled('on')
    expect(snap.onlyAccessed().keys).toEqual(['multi'])
  })

  it('builds $feature/<key> and sorted $active_feature_flags for capture', () => {
    const { snap } = snapshot()
    expect(snap.toEventProperties()).toEqual({ '$feature/on': true, '$feature/off': false, '$feature/multi': 'test', $active_feature_flags: ['multi', 'on'] })
  })

  it('an empty snapshot fires nothing', () => {
    const snap = FlagSnapshot.empty()
    expect(snap.isEnabled('x', { defaultValue: true })).toBe(true)
    expect(snap.getFlag('x')).toBeUndefined()
    expect(snap.toEventProperties()).toEqual({})
  })
})
