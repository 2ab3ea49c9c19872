import { clampTimerMs, unrefTimer } from './timers.js'
import type { Logger } from './logger.js'
import type { EventPipeline } from './pipeline/event-pipeline.js'

/** After a timed-out shutdown aborted its requests, how long the lanes get to report them. */
const SETTLE_AFTER_ABORT_MS = 5000

/** What `shutdown()` resolves with. */
export interface ShutdownResult {
  /** Events delivered while shutting down. */
  delivered: number
  /** Events that could not be delivered (dropped for any reason while shutting down). */
  undelivered: number
  /** True when the timeout cut the shutdown short. */
  timedOut: boolean
}

/**
 * What `shutdown()` resolves with, typed so that it is also a `void`: code written for
 * posthog-node's `shutdown(): Promise<void>` compiles, and hoglet's counts stay readable.
 */
export type ShutdownOutcome = void & ShutdownResult

/** What a shutdown drives besides the pipeline. */
export interface ShutdownParts {
  readonly logger: Logger
  readonly hooks: ReadonlyArray<() => unknown>
  flush(): Promise<void>
  reportError(error: Error): void
}

/**
 * Runs the shutdown hooks and flushes within `timeoutMs`. On timeout the request in flight is
 * aborted and whatever is still queued is dropped and reported.
 */
export async function runShutdown(pipeline: EventPipeline, parts: ShutdownParts, timeoutMs: number): Promise<ShutdownOutcome> {
  const { counters, sender, analytics } = pipeline
  const before = counters.snapshot(0)
  let timedOut = false
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined
  // Infinity waits for the flush however long it takes; a delay a timer cannot hold is clamped
  // (a raw 2^31 ms would fire after 1 ms); negatives are 0.
  const deadline =
    timeoutMs === Number.POSITIVE_INFINITY
      ? new Promise<void>(() => {})
      : new Promise<void>((resolve) => {
          deadlineTimer = setTimeout(() => {
            timedOut = true
            resolve()
          }, clampTimerMs(timeoutMs))
        })
  sender.keepAlive++
  try {
    const work = (async () => {
      for (const hook of parts.hooks) {
        try {
          await hook()
        } catch (error) {
          parts.reportError(error instanceof Error ? error : new Error(String(error)))
        }
      }
      await parts.flush()
    })()
    await Promise.race([work, deadline])
    if (timedOut) {
      // The spool closes first, so what is abandoned below stays on disk for the next start.
      const spooled = pipeline.spool !== undefined
      pipeline.closeSpool()
      pipeline.closing.abort()
      const left = analytics.abandon() + (pipeline.ai?.abandon() ?? 0)
      if (left > 0) {
        const kept = spooled ? '; they stay in the spool and are sent by the next client started on its directory' : ''
        pipeline.reporter.drop('shutdown', left, `shutdown timed out after ${timeoutMs} ms with events still queued${kept}`)
      }
      // The request in flight was aborted (or will not start: a batch still compressing
      // checks the signal); let the lanes report those events before counting.
      await Promise.race([Promise.all([analytics.flush(), pipeline.ai?.flush()]), sleepUnref(SETTLE_AFTER_ABORT_MS)])
      // With the spool, a batch the abort turned into "held" is on disk already and the reopened
      // spool replays it: keeping it in memory too would send it twice.
      const late = spooled ? analytics.abandon() + (pipeline.ai?.abandon() ?? 0) : 0
      if (late > 0) pipeline.reporter.drop('shutdown', late, `${late} event(s) in flight when shutdown timed out stay in the spool for the next start`)
    }
  } finally {
    clearTimeout(deadlineTimer)
    sender.keepAlive--
    pipeline.closeSpool()
  }
  const after = pipeline.stats()
  // Events not settled yet (in flight or being prepared when the wait above gave up) will be
  // dropped as `shutdown` later; they count as undelivered now, so the result never
  // claims less than what is lost.
  const unsettled = timedOut ? after.inFlight + after.queued : 0
  const result: ShutdownResult = {
    delivered: after.delivered - before.delivered,
    undelivered: after.droppedTotal - before.droppedTotal + unsettled,
    timedOut,
  }
  if (result.undelivered > 0) {
    parts.logger.warn(`Shutdown finished with ${result.undelivered} event(s) undelivered${timedOut ? ` (timed out after ${timeoutMs} ms)` : ''}.`)
  } else {
    parts.logger.debug(`Shutdown finished: ${result.delivered} event(s) delivered.`)
  }
  return result as ShutdownOutcome
}

function sleepUnref(ms: number): Promise<void> {
  return new Promise((resolve) => unrefTimer(setTimeout(resolve, ms)))
}
