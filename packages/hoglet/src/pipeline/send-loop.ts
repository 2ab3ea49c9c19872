/**
 * A lane's send loop: takes batches from the queue in capture order, sends them, and keeps what
 * fails on the network for the next flush. Imported with a lane's first send (sending is
 * asynchronous anyway), so that the code an application loads at start does not carry it;
 * `lane.ts` keeps what synchronous calls read (`LaneState`).
 */
import { MAX_REQUEST_BYTES, utf8Length } from '../event.js'
import { ENVELOPE_ROOM_BYTES } from './batch-envelope.js'
import type { LaneState } from './lane-state.js'
import type { PackedBatch } from './wire-block.js'

/**
 * Requests one lane keeps in flight. A single request when traffic is normal (the timer and
 * flushAt paths); a second only while a full batch is already waiting behind the first.
 */
const MAX_REQUESTS_IN_FLIGHT = 2

/** One send loop (the lane counted it in `workers` when it started it). */
export async function runSendLoop(lane: LaneState): Promise<void> {
  const q = lane.queue
  try {
    while (q.size > 0 && !lane.closing.signal.aborted && (q.size >= lane.flushAt || q.removed < lane.forceUntil)) {
      const startSeq = q.removed
      const batch = takeBatch(lane)
      if (batch.length === 0) {
        lane.settle()
        continue
      }
      // A backlog: let a second request go out while this one waits for its answer.
      if (lane.workers < MAX_REQUESTS_IN_FLIGHT && q.size >= lane.maxBatchSize) lane.start()
      const endSeq = q.removed
      lane.spool?.sending(startSeq, endSeq)
      const entry = { count: batch.length, finished: false, events: batch, startSeq }
      lane.batches.push(entry)
      lane.inFlight += batch.length
      let held = false
      try {
        const result = await lane.sender.send(lane.path, batch, lane.closing.signal)
        if (result.delivered) lane.delivered += batch.length
        if (result.held !== undefined) {
          held = true
          hold(lane, result.held)
          if (lane.heldSince === undefined || startSeq < lane.heldSince) lane.heldSince = startSeq
        }
      } finally {
        // counters.inFlight went down as the sender settled each event (see EventPipeline).
        entry.finished = true
        // Answered while an older batch is in flight (or held): the settled prefix (settle())
        // cannot cover it yet, so the spool records it now and a crash does not replay it.
        if (lane.spool !== undefined && !held && (lane.batches[0] !== entry || lane.heldSince !== undefined)) {
          lane.spool.settledRange(startSeq, endSeq)
        }
        while (lane.batches.length > 0 && lane.batches[0].finished) lane.inFlight -= lane.batches.shift()!.count
      }
      lane.settle()
    }
  } finally {
    lane.workers--
    lane.settle()
  }
}

/** Takes up to `maxBatchSize` events and 5 MiB of JSON from the head; refuses events that cannot be sent. */
function takeBatch(lane: LaneState): string[] | PackedBatch {
  const q = lane.queue
  // A batch compacted whole in its wire form (checked for size when it was compacted).
  const packed = lane.compaction?.takePacked()
  if (packed !== undefined) {
    lane.counters.inFlight += packed.length
    return packed
  }
  const batch: string[] = []
  const maxEventBytes = lane.maxEventBytes
  let bytes = ENVELOPE_ROOM_BYTES
  while (batch.length < lane.maxBatchSize && q.size > 0) {
    let json = q.pendingJson
    if (json === undefined) {
      try {
        json = lane.serialize(q, q.head)
      } catch (error) {
        q.shift()
        lane.report.refused('invalid', `the event cannot be serialised to JSON: ${(error as Error)?.message ?? error}`, error)
        continue
      }
    }
    const size = json.length < maxEventBytes / 3 ? json.length : utf8Length(json)
    if (size > maxEventBytes) {
      q.pendingJson = undefined
      q.shift()
      lane.report.refused('too_large', `the event is ${size} bytes, over the ${maxEventBytes}-byte cap`)
      continue
    }
    if (batch.length > 0 && bytes + size + 1 > MAX_REQUEST_BYTES) {
      q.pendingJson = json // first event of the next batch
      break
    }
    q.pendingJson = undefined
    q.shift()
    batch.push(json)
    lane.counters.inFlight++ // counted as it leaves the queue: a drop reported mid-take sees stats() add up
    bytes += size + 1
  }
  return batch
}

/** One more attempt for the held events; what fails on the network again is held again. */
export function sendHeld(lane: LaneState): Promise<void> {
  if (lane.heldSend !== undefined) return lane.heldSend
  const events = lane.heldEvents
  if (events.length === 0) return Promise.resolve()
  lane.heldEvents = []
  lane.counters.inFlight += events.length
  const run = (async () => {
    try {
      for (let i = 0; i < events.length; i += lane.maxBatchSize) {
        const batch = events.slice(i, i + lane.maxBatchSize)
        const result = await lane.sender.send(lane.path, batch, lane.closing.signal)
        if (result.delivered) lane.delivered += batch.length
        if (result.held !== undefined) hold(lane, result.held)
      }
    } finally {
      // counters.inFlight went down as the sender settled or held each event (see EventPipeline).
      lane.heldSend = undefined
      if (lane.heldEvents.length === 0) lane.heldSince = undefined
      lane.settle()
    }
  })()
  lane.heldSend = run
  return run
}

/** Keeps events for the next flush, the oldest dropped beyond the cap. */
function hold(lane: LaneState, events: string[]): void {
  const held = lane.heldEvents
  held.push(...events)
  const over = held.length - lane.maxHeld
  if (over > 0) {
    held.splice(0, over)
    lane.report.refused('queue_full', `${over} event(s) held after network failures were dropped: more than ${lane.maxHeld} waiting`)
  }
}
