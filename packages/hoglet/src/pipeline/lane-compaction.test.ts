import { describe, expect, it } from 'vitest'
import { nodeRuntime } from '../runtime/node.js'
import { webRuntime } from '../runtime/web.js'
import type { Runtime } from '../runtime/types.js'
import { Closing } from './closing.js'
import { SlotForm } from './event-queue.js'
import { Lane } from './lane.js'
import { createSlotSerializer } from './serialize.js'
import { Counters } from './stats.js'

const text = (i: number): string => JSON.stringify({ uuid: `id-${i}`, event: 'e', distinct_id: `u${i}`, properties: { i, note: 'line\nbreak é' } })

/** A lane that waits for its flush (flushAt far away): nothing may be sent while it fills. */
function idleLane(runtime: Runtime = nodeRuntime): Lane {
  return new Lane({
    path: '/batch/',
    capacity: 10_000,
    maxEventBytes: 1024 * 1024,
    maxBatchSize: 1000,
    flushAt: 1_000_000,
    serialize: createSlotSerializer(false),
    sender: {
      send: () => {
        throw new Error('an idle lane sent a batch')
      },
    },
    counters: new Counters(),
    report: { refused: () => undefined },
    closing: new Closing(),
    compactor: runtime.compactor,
    compaction: runtime.compaction,
  })
}

function push(lane: Lane, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    lane.queue.push(text(i), i, SlotForm.Default)
    lane.pushed()
  }
}

describe('Lane compaction of a lane that is not sending', () => {
  it('compacts during the push, a block of 128 as soon as one is whole beyond the hot events, with nothing left for a later turn', () => {
    const lane = idleLane()
    const compacted = (): number => lane.queue.json.slice(0, lane.queue.size).filter((j) => j === undefined).length
    push(lane, 0, 255)
    expect(compacted()).toBe(0) // 128 hot events and 127 more: no whole block yet
    push(lane, 255, 256)
    expect(compacted()).toBe(128)
    push(lane, 256, 1000)
    // Synchronously, before any turn of the event loop: every whole block beyond the first 128.
    expect(compacted()).toBe(Math.floor((1000 - 128) / 128) * 128)
    const texts: string[] = []
    for (let slot = 0; slot < lane.queue.size; slot++) texts.push(lane.queue.jsonAt(slot))
    expect(texts).toEqual(Array.from({ length: 1000 }, (_, i) => text(i)))
  })

  it('keeps every event as text on a runtime without compaction (edge), and gives them back in order', () => {
    expect(webRuntime.compactor).toBeUndefined()
    expect(webRuntime.compaction).toBeUndefined()
    const lane = idleLane(webRuntime)
    push(lane, 0, 1000)
    expect(lane.queue.json.slice(0, lane.queue.size).every((j) => j !== undefined)).toBe(true)
    const texts: string[] = []
    for (let slot = 0; slot < lane.queue.size; slot++) texts.push(lane.queue.jsonAt(slot))
    expect(texts).toEqual(Array.from({ length: 1000 }, (_, i) => text(i)))
  })
})
