import { describe, expect, it } from 'vitest'
import { nodeRuntime } from '../runtime/node.js'
import { EventQueue, SlotForm, type Compactor } from './event-queue.js'
import { QueueCompaction } from './queue-compaction.js'

const event = (i: number): string => JSON.stringify({ event: 'e', distinct_id: `u${i}`, uuid: `id-${i}`, properties: { i, text: 'line\nbreak' } })

function fill(queue: EventQueue, from: number, to: number): void {
  for (let i = from; i < to; i++) expect(queue.push(event(i), i, SlotForm.Default)).toBe(true)
}

/** Reads every event through `jsonAt`, which expands compacted blocks. */
function drain(queue: EventQueue): string[] {
  const out: string[] = []
  while (queue.size > 0) {
    out.push(queue.jsonAt(queue.head))
    queue.shift()
  }
  return out
}

describe('EventQueue', () => {
  it('is FIFO and refuses a push when full', () => {
    const queue = new EventQueue(3)
    fill(queue, 0, 3)
    expect(queue.push(event(3), 3, SlotForm.Default)).toBe(false)
    queue.dropOldest()
    expect(queue.push(event(3), 3, SlotForm.Default)).toBe(true)
    expect(drain(queue)).toEqual([1, 2, 3].map(event))
    expect(queue.removed).toBe(4)
  })

  it('grows its typed columns past the initial size, keeping times and forms', () => {
    const queue = new EventQueue(5000)
    fill(queue, 0, 3000)
    expect(queue.time[2999]).toBe(2999)
    expect(drain(queue)).toHaveLength(3000)
  })
})

function compacting(capacity: number, compactor: Compactor): { queue: EventQueue; compaction: QueueCompaction } {
  const queue = new EventQueue(capacity)
  return { queue, compaction: new QueueCompaction(queue, compactor) }
}

describe('QueueCompaction', () => {
  it('compacts at most maxBlocks blocks per call; the next call goes on where it stopped', () => {
    const { queue, compaction } = compacting(10_000, nodeRuntime.compactor!)
    fill(queue, 0, 1000)
    expect(compaction.compact(100, 128, undefined, 3)).toBe(384)
    expect(queue.json.filter((j) => j === undefined).length).toBe(384)
    expect(compaction.compact(100, 128, undefined, 3)).toBe(384)
    expect(compaction.compact(100, 128, undefined, 3)).toBe(128) // 7 blocks fit after the first 100 events
    expect(drain(queue)).toEqual(Array.from({ length: 1000 }, (_, i) => event(i)))
  })

  it('compacts a backlog beyond the hot events and gives back identical JSON, in order', () => {
    const { queue, compaction } = compacting(10_000, nodeRuntime.compactor!)
    fill(queue, 0, 1000)
    expect(compaction.compact(100, 128)).toBe(896) // 7 blocks of 128 after the first 100 events
    expect(queue.json.filter((j) => j === undefined).length).toBe(896)
    expect(drain(queue)).toEqual(Array.from({ length: 1000 }, (_, i) => event(i)))
  })

  it('survives dropping the oldest events into a compacted block and wrapping around', () => {
    const { queue, compaction } = compacting(600, nodeRuntime.compactor!)
    fill(queue, 0, 500)
    compaction.compact(10, 64)
    for (let i = 0; i < 150; i++) queue.dropOldest() // into the middle of the third block
    fill(queue, 500, 700) // wraps around the ring
    compaction.compact(10, 64)
    expect(drain(queue)).toEqual(Array.from({ length: 550 }, (_, i) => event(150 + i)))
  })

  it("uses the runtime's memory pair (compress and expand) for memory blocks when it has one", () => {
    const calls = { deflate: 0, compress: 0, expand: 0 }
    const { deflate, inflate, compress, expand } = nodeRuntime.compactor!
    const { queue, compaction } = compacting(10_000, {
      deflate: (text) => (calls.deflate++, deflate(text)),
      inflate,
      compress: (text) => (calls.compress++, compress!(text)),
      expand: (data) => (calls.expand++, expand!(data)),
    })
    fill(queue, 0, 400)
    expect(compaction.compact(100, 128)).toBe(256)
    expect(drain(queue)).toEqual(Array.from({ length: 400 }, (_, i) => event(i)))
    expect(calls).toEqual({ deflate: 0, compress: 2, expand: 2 })
  })

  it('deflates memory blocks with a compactor that has only deflate and inflate (a custom runtime)', () => {
    const { deflate, inflate } = nodeRuntime.compactor!
    let deflated = 0
    const { queue, compaction } = compacting(10_000, { deflate: (text) => (deflated++, deflate(text)), inflate })
    fill(queue, 0, 400)
    expect(compaction.compact(100, 128)).toBe(256)
    expect(deflated).toBe(2)
    expect(drain(queue)).toEqual(Array.from({ length: 400 }, (_, i) => event(i)))
  })

})
