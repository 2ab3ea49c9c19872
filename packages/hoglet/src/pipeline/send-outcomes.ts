import type { Logger } from '../logger.js'
import type { Emitter } from './emitter.js'
import { batchTexts, type PackedBatch } from './packed-batch.js'
import type { ClientEvents, FlushPayload, Reporter } from './reporter.js'
import type { SendReport } from './send-report.js'
import type { Counters } from './stats.js'

/** What a client's send outcomes are told to. */
export interface SendOutcomeParts {
  readonly counters: Counters
  readonly emitter: Emitter<ClientEvents>
  readonly reporter: Reporter
  readonly logger: Logger
}

/**
 * How a client counts, logs and emits what its batches became. Built with the sender (imported
 * with the first batch sent, see `lazy-sender.ts`): only sending calls it.
 */
export function sendOutcomes({ counters, emitter, reporter, logger }: SendOutcomeParts): SendReport {
  return {
    // Events leave `inFlight` the moment they are settled or held (a 413 split settles half a
    // batch at a time), so stats() adds up even while a batch is still partly in flight.
    delivered: (path, count, events) => {
      counters.inFlight -= count
      counters.delivered += count
      // The delivered events are parsed back only when someone listens.
      if (emitter.has('flush')) emitter.emit('flush', flushPayload(path, count, events))
    },
    held: (path, count, error) => {
      counters.inFlight -= count
      logger.warn(`${count} event(s) for ${path} stay queued for the next flush: ${error.message}`)
      reporter.error(error)
    },
    dropped: (reason, count, message, cause) => {
      counters.inFlight -= count
      reporter.drop(reason, count, message, cause)
    },
    retrying: (path, attempt, delayMs, error) => {
      logger.debug(`Retry ${attempt} of ${path} in ${Math.round(delayMs)} ms: ${error.message}`)
      emitter.emit('retry', { path, attempt, delayMs, error })
    },
  }
}

function flushPayload(path: string, count: number, events: readonly string[] | PackedBatch): FlushPayload {
  let parsed: FlushPayload
  try {
    parsed = JSON.parse(`[${batchTexts(events as string[] | PackedBatch).join(',')}]`)
  } catch {
    parsed = [] as unknown as FlushPayload
  }
  parsed.path = path
  parsed.count = count
  return parsed
}
