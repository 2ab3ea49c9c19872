import { MAX_AI_EVENT_BYTES, MAX_EVENT_BYTES } from '../event.js'
import type { ResolvedOptions } from '../options.js'
import type { Runtime } from '../runtime/types.js'
import { Emitter } from './emitter.js'
import { Lane } from './lane.js'
import { Reporter, type ClientEvents } from './reporter.js'
import { Sender } from './sender.js'
import { createSlotSerializer } from './serialize.js'
import { Counters, type PipelineStats } from './stats.js'
import { Closing } from './closing.js'
import type { FlushPayload } from './reporter.js'
import { WaitUntilFlusher } from './wait-until.js'


export const BATCH_PATH = '/batch/'
export const AI_PATH = '/i/v0/ai/batch/'

/**
 * Everything between a queued event and the network, built once per client: the counters,
 * the emitter and reporter, the sender, the analytics lane and the AI lane (created on first
 * use), and the async work `flush()` waits for.
 */
export class EventPipeline {
  readonly emitter: Emitter<ClientEvents>
  readonly counters = new Counters()
  readonly reporter: Reporter
  readonly sender: Sender
  readonly serialize: ReturnType<typeof createSlotSerializer>
  /** Aborted when a shutdown times out: requests in flight stop, late slow-path events drop. */
  readonly closing = new Closing()
  readonly analytics: Lane
  /** The `/i/v0/ai/batch/` lane, or undefined until the first `captureAi`. */
  ai: Lane | undefined
  /** Flag fetches of earlier captures, Immediate sends, exception captures. */
  readonly pendingWork = new Set<Promise<unknown>>()
  /** The debounced `waitUntil` flush, when the `waitUntil` option is set. */
  readonly waitUntil: WaitUntilFlusher | undefined
  readonly #config: ResolvedOptions
  readonly #runtime: Runtime

  constructor(config: ResolvedOptions, runtime: Runtime) {
    this.#config = config
    this.#runtime = runtime
    const logger = config.logger
    const emitter = (this.emitter = new Emitter<ClientEvents>(logger))
    const counters = this.counters
    const reporter = (this.reporter = new Reporter({ counters, emitter, logger, onError: config.onError, maxQueueSize: config.maxQueueSize }))
    this.serialize = createSlotSerializer(config.disableGeoip, config.isServer)
    this.sender = new Sender(config, runtime, counters, {
      delivered: (path, count, events) => {
        counters.delivered += count
        // The delivered events are parsed back only when someone listens.
        if (emitter.has('flush')) emitter.emit('flush', flushPayload(path, count, events))
      },
      held: (path, count, error) => {
        logger.warn(`${count} event(s) for ${path} stay queued for the next flush: ${error.message}`)
        reporter.error(error)
      },
      dropped: (reason, count, message, cause) => reporter.drop(reason, count, message, cause),
      retrying: (path, attempt, delayMs, error) => {
        logger.debug(`Retry ${attempt} of ${path} in ${Math.round(delayMs)} ms: ${error.message}`)
        emitter.emit('retry', { path, attempt, delayMs, error })
      },
    })
    this.waitUntil =
      config.waitUntil && !config.disabled
        ? new WaitUntilFlusher(config.waitUntil, config.waitUntilDebounceMs, config.waitUntilMaxWaitMs, () => this.#drain())
        : undefined
    this.analytics = this.#createLane(BATCH_PATH, MAX_EVENT_BYTES)
  }

  aiLane(): Lane {
    return (this.ai ??= this.#createLane(AI_PATH, MAX_AI_EVENT_BYTES))
  }

  trackPending<T>(promise: Promise<T>): Promise<T> {
    this.pendingWork.add(promise)
    const forget = (): void => void this.pendingWork.delete(promise)
    promise.then(forget, forget)
    // Work that will queue events later (a flag fetch, an exception's stack) opens a cycle now.
    this.waitUntil?.schedule()
    return promise
  }

  /** Events queued or being prepared, and tracked async work. */
  pending(): number {
    return this.analytics.pending + (this.ai?.pending ?? 0) + this.pendingWork.size
  }

  /** Events held after a network failure, waiting for the next flush. */
  held(): number {
    return this.analytics.held + (this.ai?.held ?? 0)
  }

  /** The flush timer: each lane sends what it has. */
  kick(): void {
    this.analytics.kick()
    this.ai?.kick()
  }

  flush(): Promise<void> {
    const flushing = this.#drain()
    this.waitUntil?.cover(flushing)
    return flushing
  }

  async #drain(): Promise<void> {
    this.sender.keepAlive++
    try {
      // Work pending now (flag fetches of earlier captures, Immediate sends); work started
      // later is not waited for, so a steady stream of captures cannot keep flush() waiting.
      if (this.pendingWork.size > 0) await Promise.allSettled([...this.pendingWork])
      await Promise.all([this.analytics.flush(), this.ai?.flush()])
    } finally {
      this.sender.keepAlive--
    }
  }

  stats(): PipelineStats {
    return this.counters.snapshot(this.analytics.queue.size + this.analytics.held + (this.ai ? this.ai.queue.size + this.ai.held : 0))
  }

  #createLane(path: string, maxEventBytes: number): Lane {
    const config = this.#config
    const reporter = this.reporter
    return new Lane({
      path,
      capacity: config.maxQueueSize,
      maxEventBytes,
      maxBatchSize: config.maxBatchSize,
      // A negative flushInterval (posthog-node: a ~1 ms timer) sends as soon as the tick ends.
      flushAt: config.syncMode || config.flushInterval < 0 ? 1 : config.flushAt,
      serialize: this.serialize,
      sender: this.sender,
      counters: this.counters,
      report: { refused: (reason, message, cause) => reporter.drop(reason, 1, message, cause) },
      closing: this.closing,
      maxHeld: config.maxQueueSize,
      compactor: this.#runtime.compactor,
      afterPush: this.waitUntil && (() => this.waitUntil!.schedule()),
    })
  }
}

function flushPayload(path: string, count: number, events: readonly string[]): FlushPayload {
  let parsed: FlushPayload
  try {
    parsed = JSON.parse(`[${events.join(',')}]`)
  } catch {
    parsed = [] as unknown as FlushPayload
  }
  parsed.path = path
  parsed.count = count
  return parsed
}
