import type { EventPipeline } from '../pipeline/event-pipeline.js'
import { Lane } from '../pipeline/lane.js'

/**
 * A private one-event lane for `captureImmediate()` and friends: the event is validated like
 * `capture()` into it, then sent at once without touching the shared queue.
 */
export function createImmediateLane(pipeline: EventPipeline, path: string, maxEventBytes: number): Lane {
  const reporter = pipeline.reporter
  const lane = new Lane({
    path,
    capacity: 1,
    maxEventBytes,
    maxBatchSize: 1,
    // Never flushes by itself: sendImmediate() does, once the event is ready.
    flushAt: Number.MAX_SAFE_INTEGER,
    serialize: pipeline.serialize,
    sender: pipeline.sender,
    counters: pipeline.counters,
    report: { refused: (reason, msg, cause) => reporter.drop(reason, 1, msg, cause) },
    closing: pipeline.closing,
  })
  pipeline.immediateLanes.add(lane)
  return lane
}

/** Sends the event captured into `holder`; resolves with its uuid once delivered, `undefined` if it was not. */
export async function sendImmediate(
  pipeline: EventPipeline,
  trackPending: <T>(promise: Promise<T>) => Promise<T>,
  holder: Lane,
  uuid: string | undefined,
): Promise<string | undefined> {
  if (uuid === undefined) {
    pipeline.immediateLanes.delete(holder)
    return undefined
  }
  pipeline.sender.keepAlive++
  try {
    // Wait only for this event's own flag fetch (sendFeatureFlags), never for other work:
    // concurrent Immediate calls must not wait for each other.
    const work = (async () => {
      if (holder.preparing !== undefined) await holder.preparing
      await holder.flush()
    })()
    await trackPending(work)
  } finally {
    pipeline.sender.keepAlive--
    pipeline.immediateLanes.delete(holder)
  }
  return holder.delivered === 1 ? uuid : undefined
}
