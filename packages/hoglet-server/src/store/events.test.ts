import { describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import type { IncomingEvent } from './events.js'
import { Store } from './store.js'

const DAY = '2026-11-30T10:00:00.000Z'

function event(i: number, overrides: Partial<IncomingEvent> = {}): IncomingEvent {
  const properties = { i, text: i % 3 === 0 ? `café ☕ 日本 😀 "quoted" \\ back\nline` : `plain ${i}`, big: i % 50 === 7 ? 'x'.repeat(200_000) : '' }
  // Half the events come with the request's JSON text (escapes kept as sent), half as objects only.
  const propertiesJson = i % 2 === 0 ? JSON.stringify(properties).replace('é', '\\u00e9') : undefined
  return { uuid: randomUUID(), event: i % 5 === 0 ? 'événement' : 'page viewed', distinct_id: `user-${i % 17}`, timestamp: DAY, properties, propertiesJson, ...overrides } as IncomingEvent
}

describe('EventStore.insert', () => {
  it('stores every event of batches around the multi-row size exactly as given, in order', () => {
    const store = new Store(':memory:')
    let expected: IncomingEvent[] = []
    for (const size of [1, 99, 100, 101, 250, 1000]) {
      const batch = Array.from({ length: size }, (_, k) => event(expected.length + k))
      expect(store.ingest(batch, '/batch/')).toMatchObject({ stored: size })
      expected = expected.concat(batch)
    }
    const rows = store.events.list({ limit: 10_000 }).reverse()
    expect(rows).toHaveLength(expected.length)
    rows.forEach((row, k) => {
      const e = expected[k]!
      expect({ uuid: row.uuid, event: row.event, distinct_id: row.distinct_id, timestamp: row.timestamp, endpoint: row.endpoint }).toEqual({
        uuid: e.uuid,
        event: e.event,
        distinct_id: e.distinct_id,
        timestamp: e.timestamp,
        endpoint: '/batch/',
      })
      expect(row.properties).toEqual(e.properties)
    })
    // The kept text is stored byte for byte, not re-serialised.
    const raw = store.db.prepare('SELECT properties FROM events WHERE uuid = ?').pluck()
    expect(raw.get(expected[0]!.uuid)).toBe(expected[0]!.propertiesJson)
    expect(raw.get(expected[1]!.uuid)).toBe(JSON.stringify(expected[1]!.properties))
    store.close()
  })

  it('skips duplicates within a request and across requests, in both the multi-row and the single-row statements', () => {
    const store = new Store(':memory:')
    const first = Array.from({ length: 230 }, (_, i) => event(i))
    expect(store.ingest(first, '/batch/').stored).toBe(230)
    // Again: 120 old ones (spread over both statements), copies within the request, and new ones.
    const again = [...first.slice(0, 60), ...first.slice(200, 230), event(1000), event(1001), ...first.slice(100, 130)]
    const copyOfNew = { ...again[90]! }
    const second = [...again, copyOfNew, event(1002)]
    const before = store.events.count()
    const result = store.ingest(second, '/batch/')
    expect(result.stored).toBe(3) // event(1000), event(1001), event(1002)
    expect(store.events.count() - before).toBe(3)
    expect(store.duplicateEvents).toBe(second.length - 3)
    // The same uuid with another event name, distinct id or day is another event.
    const base = first[5]!
    const others = [
      { ...base, event: 'other' },
      { ...base, distinct_id: 'someone-else' },
      { ...base, timestamp: '2026-12-01T00:00:00.000Z' },
      { ...base, timestamp: '2026-11-30T23:59:59.999Z' }, // same day: a duplicate
    ]
    expect(store.ingest(others, '/batch/').stored).toBe(3)
    store.close()
  })
})
