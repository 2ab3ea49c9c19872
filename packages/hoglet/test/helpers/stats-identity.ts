import { expect } from 'vitest'
import type { PipelineStats } from '../../src/index.js'

/**
 * The identity README documents for `stats()`: every captured event is delivered, dropped
 * (by reason), queued or in flight; refused calls are counted apart and never in `captured`.
 */
export function expectStatsIdentity(stats: PipelineStats, label = 'stats()'): void {
  let dropped = 0
  for (const count of Object.values(stats.dropped)) dropped += count
  let refused = 0
  for (const count of Object.values(stats.refused)) refused += count
  expect(stats.droppedTotal, `${label}: droppedTotal`).toBe(dropped)
  expect(stats.refusedTotal, `${label}: refusedTotal`).toBe(refused)
  expect(stats.captured, `${label}: captured = delivered + dropped + queued + inFlight (${JSON.stringify(stats)})`).toBe(
    stats.delivered + stats.droppedTotal + stats.queued + stats.inFlight,
  )
  for (const value of [stats.queued, stats.inFlight, stats.delivered, stats.captured]) expect(value).toBeGreaterThanOrEqual(0)
  expect(stats.replayedInFlight, `${label}: replayedInFlight <= replayed <= captured`).toBeLessThanOrEqual(stats.replayed)
  expect(stats.replayed, `${label}: replayed <= captured`).toBeLessThanOrEqual(stats.captured)
  expect(stats.replayedInFlight).toBeGreaterThanOrEqual(0)
}
