import { unrefTimer } from './timers.js'
import type { Logger } from './logger.js'
import type { EventPipeline } from './pipeline/event-pipeline.js'

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
  /** Stops the timer and exit hook; runs first, synchronously. */
  stopIntake(): void
  flush(): Promise<void>
  reportError(error: Error): void
}

/**
 * Runs the shutdown hooks and flushes within `timeoutMs`. On timeout the request in flight is
 * aborted and whatever is still queued is dropped and reported.
 */
export async function runShutdown(pipeline: EventPipeline, parts: ShutdownParts, timeoutMs: number): Promise<ShutdownOutcome> {
  parts.stopIntake()
  const { counters, sender, analytics } = pipeline
  const before = counters.snapshot(0)
  let timedOut = false
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<void>((resolve) => {
    deadlineTimer = setTimeout(() => {
      timedOut = true
      resolve()
    }, Math.max(0, timeoutMs))
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
      pipeline.closing.abort()
      const left = analytics.abandon() + (pipeline.ai?.abandon() ?? 0)
      if (left > 0) pipeline.reporter.drop('shutdown', left, `shutdown timed out after ${timeoutMs} ms with events still queued`)
      // The request in flight was aborted; give its lane a moment to report it.
      await Promise.race([Promise.all([analytics.flush(), pipeline.ai?.flush()]), sleepUnref(1000)])
    }
  } finally {
    clearTimeout(deadlineTimer)
    sender.keepAlive--
  }
  const after = counters.snapshot(0)
  const result: ShutdownResult = {
    delivered: after.delivered - before.delivered,
    undelivered: after.droppedTotal - before.droppedTotal,
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
