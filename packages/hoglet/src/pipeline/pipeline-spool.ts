/**
 * The durable spool (`persistence: 'file'`) wired into a pipeline: opening the store, giving
 * each lane its `LaneSpool` and queueing what a previous process left, closing and reopening
 * around a shutdown. Only a runtime with a file system supplies it (`Runtime.spooling`, bound to
 * its file store), so a bundle for the edge carries none of it.
 */
import type { DropReason } from '../errors/events-dropped-error.js'
import type { ResolvedOptions } from '../options.js'
import type { LaneSpool, SpoolOptions, SpoolRecord, SpoolStore } from './spool.js'
import { AI_PATH } from './batch-paths.js'

/** What the wiring uses of a lane (`Lane`). */
export interface SpoolableLane {
  readonly path: string
  spool: LaneSpool | undefined
  attachSpool(spool: LaneSpool): void
  evictBefore(endSeq: number): void
  restore(records: readonly SpoolRecord[]): number
  kick(): void
}

/** What the wiring uses of the pipeline (`EventPipeline`). */
export interface SpoolingPipeline {
  readonly counters: { captured: number; replayed: number; replayedInFlight: number }
  readonly reporter: { drop(reason: DropReason, count: number, message: string): void; error(error: Error): void }
  readonly analytics: SpoolableLane
  readonly ai: SpoolableLane | undefined
  aiLane(): SpoolableLane
}

/** The runtime's file store and hash, which names the store's directory. */
export interface SpoolFiles {
  open(options: SpoolOptions): SpoolStore
  sha1Hex(input: string): string
}

export class PipelineSpool {
  /** The open store, or undefined between a shutdown's close and the reopen after it. */
  store: SpoolStore | undefined
  readonly #pipeline: SpoolingPipeline
  readonly #config: ResolvedOptions
  readonly #files: SpoolFiles

  /** Opens the store; an unusable directory fails the construction, naming the option. */
  constructor(pipeline: SpoolingPipeline, config: ResolvedOptions, files: SpoolFiles) {
    this.#pipeline = pipeline
    this.#config = config
    this.#files = files
    this.store = this.#open()
  }

  #open(): SpoolStore {
    const config = this.#config
    try {
      return this.#files.open({
        directory: config.persistenceDir,
        fsync: config.persistenceFsync,
        maxBytes: config.persistenceMaxBytes,
        namespace: this.#files.sha1Hex(`${config.apiKey}\n${config.host}`).slice(0, 16),
      })
    } catch (error) {
      throw new TypeError(`The \`persistenceDir\` option names a directory the spool cannot use: ${(error as Error)?.message ?? error}`, { cause: error })
    }
  }

  /** Whether the store holds AI events (the pipeline then creates that lane at start, not on first use). */
  hasAiEvents(): boolean {
    return this.store?.hasInherited(AI_PATH) ?? false
  }

  /** Stops spooling: settled segments are deleted, unsettled events stay on disk for the next start. */
  close(): void {
    if (this.store === undefined) return
    const { analytics, ai } = this.#pipeline
    for (const lane of [analytics, ai]) {
      if (lane?.spool === undefined) continue
      lane.spool.close()
      lane.spool = undefined
    }
    this.store.close()
    this.store = undefined
  }

  /** After a shutdown (the client stays usable): a new directory, which takes over what the last one left. */
  reopen(): void {
    if (this.store !== undefined) return
    try {
      this.store = this.#open()
    } catch (error) {
      this.#config.logger.warn(`The spool could not be reopened; events are kept in memory only: ${(error as Error)?.message ?? error}`)
      return
    }
    const pipeline = this.#pipeline
    this.attach(pipeline.analytics)
    if (pipeline.ai !== undefined || this.hasAiEvents()) this.attach(pipeline.aiLane())
  }

  /** Gives the lane its spool and queues what the spool replays (a previous process's events). */
  attach(lane: SpoolableLane): void {
    if (this.store === undefined) return
    const config = this.#config
    const { counters, reporter } = this.#pipeline
    const spool = this.store.open(lane.path, {
      evictBefore: (endSeq) => lane.evictBefore(endSeq),
      warn: (error) => {
        config.logger.warn(error.message)
        reporter.error(error)
      },
    })
    lane.attachSpool(spool)
    if (spool.replayed.length > 0) {
      // Events a previous process captured: counted as captured (and replayed) here, so stats() adds up.
      counters.captured += spool.replayed.length
      counters.replayed += spool.replayed.length
      const dropped = lane.restore(spool.replayed)
      if (dropped > 0) reporter.drop('queue_full', dropped, `${dropped} replayed event(s) did not fit in maxQueueSize (${config.maxQueueSize})`)
      const inFlight = spool.replayedInFlight
      counters.replayedInFlight += inFlight
      // Those were sent once already and their answer never arrived: the server may store them twice unless it collapses same-uuid events.
      const note = inFlight > 0 ? ` (${inFlight} of them were in a request in flight at the crash, sent again under the same uuids)` : ''
      config.logger.debug(`Replaying ${spool.replayed.length} event(s) from the spool${note}.`)
      lane.kick()
    }
  }
}
