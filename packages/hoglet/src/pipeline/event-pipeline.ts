import { MAX_AI_EVENT_BYTES, MAX_EVENT_BYTES } from '../event.js'
import type { ResolvedOptions } from '../options.js'
import type { Runtime } from '../runtime/types.js'
import { Emitter } from './emitter.js'
import { Lane } from './lane.js'
import { Reporter, type ClientEvents } from './reporter.js'
import { CAPTURE_V1_PATH } from './capture-v1-path.js'
import { LazySender } from './lazy-sender.js'
import { createSlotSerializer } from './serialize.js'
import { Counters, type PipelineStats } from './stats.js'
import { Closing } from './closing.js'
import type { SpoolStore } from './spool.js'
import type { PipelineSpool } from './pipeline-spool.js'
import { WaitUntilFlusher } from './wait-until.js'
import { AI_PATH, BATCH_PATH } from './batch-paths.js'

/**
 * Everything between a queued event and the network, built once per client: the counters,
 * the emitter and reporter, the sender, the analytics lane and the AI lane (created on first
 * use), and the async work `flush()` waits for.
 */
export class EventPipeline {
  readonly emitter: Emitter<ClientEvents>
  readonly counters = new Counters()
  readonly reporter: Reporter
  readonly sender: LazySender
  readonly serialize: ReturnType<typeof createSlotSerializer>
  /** Aborted when a shutdown times out: requests in flight stop, late slow-path events drop. */
  readonly closing: Closing
  /** `/batch/`, or Capture v1's path when `captureMode` is `v1`. */
  readonly analytics: Lane
  /** The `/i/v0/ai/batch/` lane, or undefined until the first `captureAi`. */
  ai: Lane | undefined
  /** The private one-event lanes of Immediate calls still sending (their queued event counts in stats()). */
  readonly immediateLanes = new Set<Lane>()
  /** Flag fetches of earlier captures, Immediate sends, exception captures. */
  readonly pendingWork = new Set<Promise<unknown>>()
  /** The debounced `waitUntil` flush, when the `waitUntil` option is set. */
  readonly waitUntil: WaitUntilFlusher | undefined
  /** The durable spool's wiring (`persistence: 'file'`), or undefined. */
  #spool: PipelineSpool | undefined
  readonly #config: ResolvedOptions
  readonly #runtime: Runtime

  constructor(config: ResolvedOptions, runtime: Runtime) {
    this.#config = config
    this.#runtime = runtime
    this.closing = new Closing(runtime.allowManyListeners)
    const logger = config.logger
    const emitter = (this.emitter = new Emitter<ClientEvents>(logger))
    const counters = this.counters
    const reporter = (this.reporter = new Reporter({ counters, emitter, logger, onError: config.onError, maxQueueSize: config.maxQueueSize }))
    this.serialize = createSlotSerializer(config.disableGeoip, config.isServer)
    this.sender = new LazySender(config, runtime, counters, { counters, emitter, reporter, logger })
    this.waitUntil =
      config.waitUntil && !config.disabled
        ? new WaitUntilFlusher(config.waitUntil, config.waitUntilDebounceMs, config.waitUntilMaxWaitMs, () => this.#drain())
        : undefined
    const captureMode = config.captureMode ?? (runtime.readEnv?.('POSTHOG_CAPTURE_MODE') === 'v1' ? 'v1' : 'v0')
    if (config.persistence === 'file' && !config.disabled) {
      if (runtime.spooling === undefined) throw new TypeError("The `persistence` option 'file' needs a runtime with a file system (Node, Bun, Deno); use 'memory' here.")
      this.#spool = runtime.spooling(this, config)
    }
    this.analytics = this.#createLane(captureMode === 'v1' ? CAPTURE_V1_PATH : BATCH_PATH, MAX_EVENT_BYTES)
    if (this.#spool?.hasAiEvents()) this.aiLane()
  }

  /** The durable spool's open store (`persistence: 'file'`), or undefined. */
  get spool(): SpoolStore | undefined {
    return this.#spool?.store
  }

  /** Stops spooling: settled segments are deleted, unsettled events stay on disk for the next start. */
  closeSpool(): void {
    this.#spool?.close()
  }

  /** After a shutdown (the client stays usable): a new spool directory, which takes over what the last one left. */
  reopenSpool(): void {
    this.#spool?.reopen()
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
    let queued = this.analytics.queue.size + this.analytics.held + (this.ai ? this.ai.queue.size + this.ai.held : 0)
    for (const lane of this.immediateLanes) queued += lane.queue.size + lane.held
    return this.counters.snapshot(queued)
  }

  #createLane(path: string, maxEventBytes: number): Lane {
    const config = this.#config
    const reporter = this.reporter
    const lane = new Lane({
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
      compaction: this.#runtime.compaction,
      packsBatches: path !== CAPTURE_V1_PATH && this.sender.sendsPackedBatches ? this.sender.envelope : undefined,
      afterPush: this.waitUntil && (() => this.waitUntil!.schedule()),
    })
    this.#spool?.attach(lane)
    return lane
  }

}
