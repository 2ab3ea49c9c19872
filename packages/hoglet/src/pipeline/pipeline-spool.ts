/**
 * The durable spool (`persistence: 'file'`) wired into a pipeline: opening the store, giving
 * each lane its `LaneSpool` and queueing what a previous process left, closing and reopening
 * around a shutdown. Only a runtime with a file system supplies it (`Runtime.spooling`, bound to
 * its file store), so a bundle for the edge carries none of it.
 */
import type { DropReason } from '../errors/events-dropped-error.js'
import type { ResolvedOptions } from '../options.js'
import type { LaneSpool, SpoolOptions, SpoolRecord, SpoolStore } from './spool.js'
import type { EventQueue } from './event-queue.js'
import type { LaneSpooling } from './lane-state.js'
import { AI_PATH } from './batch-paths.js'

/** What the wiring uses of a lane (`Lane`). */
export interface SpoolableLane {
  readonly path: string
  readonly queue: EventQueue
  spool: LaneSpooling | undefined
  /** Settles what the queue's dropped events leave done (waiters, the spool). */
  droppedOldest(): void
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
    let bound: BoundSpool | undefined
    const spool = this.store.open(lane.path, {
      evictBefore: (endSeq) => bound?.evictBefore(endSeq),
      warn: (error) => {
        config.logger.warn(error.message)
        reporter.error(error)
      },
    })
    const evicted = (count: number): void => reporter.drop('queue_full', count, `the spool reached persistenceMaxBytes (${config.persistenceMaxBytes}); the oldest events were dropped`)
    lane.spool = bound = new BoundSpool(spool, lane, evicted)
    if (spool.replayed.length > 0) {
      // Events a previous process captured: counted as captured (and replayed) here, so stats() adds up.
      counters.captured += spool.replayed.length
      counters.replayed += spool.replayed.length
      const dropped = restore(lane, spool.replayed)
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

/**
 * Queues events replayed from the spool (a previous process's). They are in the spool
 * already, so they are not appended again; a queue too small for them drops the oldest.
 * Returns how many were dropped.
 */
function restore(lane: SpoolableLane, records: readonly SpoolRecord[]): number {
  const queue = lane.queue
  let dropped = 0
  for (const r of records) {
    if (!queue.push(r.json, r.time, r.form)) {
      queue.dropOldest()
      dropped++
      queue.push(r.json, r.time, r.form)
    }
  }
  if (dropped > 0) lane.droppedOldest()
  return dropped
}

/**
 * A store's `LaneSpool` bound to one lane (`LaneSpooling`): the lane's queue sequence numbers
 * become the spool's (events queued before it was attached are not in it), and events the
 * byte bound evicts are dropped from the queue at once and reported after the push in progress.
 */
class BoundSpool implements LaneSpooling {
  readonly #spool: LaneSpool
  readonly #lane: SpoolableLane
  readonly #reportEvicted: (count: number) => void
  /** Queue sequence number of the spool's first event. */
  readonly #offset: number
  /** Events the byte bound dropped, reported by the next `pushed()`. */
  #evicted = 0

  constructor(spool: LaneSpool, lane: SpoolableLane, reportEvicted: (count: number) => void) {
    this.#spool = spool
    this.#lane = lane
    this.#reportEvicted = reportEvicted
    this.#offset = lane.queue.pushed
  }

  append(json: string, time: number, form: number): void {
    this.#spool.append(json, time, form)
  }

  /** Over the byte bound: drops the queued events before the spool's sequence number `endSeq`. */
  evictBefore(endSeq: number): void {
    const queue = this.#lane.queue
    const end = endSeq + this.#offset
    while (queue.removed < end && queue.size > 0) {
      queue.dropOldest()
      this.#evicted++
    }
  }

  pushed(): void {
    if (this.#evicted === 0) return
    const count = this.#evicted
    this.#evicted = 0
    this.#reportEvicted(count)
    this.#lane.droppedOldest()
  }

  sending(fromSeq: number, toSeq: number): void {
    this.#spool.sending(fromSeq - this.#offset, toSeq - this.#offset)
  }

  settledRange(fromSeq: number, toSeq: number): void {
    this.#spool.settledRange(fromSeq - this.#offset, toSeq - this.#offset)
  }

  settled(doneSeq: number): void {
    this.#spool.settled(doneSeq - this.#offset)
  }

  close(): void {
    this.#spool.close()
  }
}
