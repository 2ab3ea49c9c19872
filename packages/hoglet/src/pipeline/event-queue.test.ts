import { describe, expect, it } from 'vitest'
import { EventQueue, SlotForm } from './event-queue.js'

const event = (i: number): string => JSON.stringify({ event: 'e', distinct_id: `u${i}`, uuid: `id-${i}`, properties: { i, text: 'line\nbreak' } })

function fill(queue: EventQueue, from: number, to: number): void {
  for (let i = from; i < to; i++) expect(queue.push(event(i), i, SlotForm.Default)).toBe(true)
}

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
