import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BatchLayoutScanner, batchLayout, propertiesText, type BatchLayout } from './batch-layout.js'
import { parseCapture } from './parse-capture.js'

/** The event array of a parsed body: the body itself or its `batch`. */
function eventsOf(text: string): unknown[] {
  const body = JSON.parse(text) as unknown
  return Array.isArray(body) ? body : (body as { batch: unknown[] }).batch
}

/** The properties texts the layout gives, or undefined when it leaves them out. */
function found(text: string, layout: BatchLayout | undefined = batchLayout(text)): (string | undefined)[] | undefined {
  const events = eventsOf(text)
  if (layout?.spans === undefined || layout.elements !== events.length) return undefined
  return events.map((_, i) => propertiesText(text, layout, i))
}

/** The scan done `chars` characters at a time, as a large body is. */
function scanInSlices(text: string, chars: number): BatchLayout | undefined {
  const scanner = new BatchLayoutScanner(text)
  while (!scanner.done) scanner.scan(chars)
  return scanner.result()
}

describe('batchLayout', () => {
  it('finds each event’s properties object as sent, nested objects, strings with braces and escapes included', () => {
    const first = '{ "a": {"b": [1, {"c": "}]{["}]}, "q": "say \\"hi\\" \\\\", "$set": {"x": 1} }'
    const second = '{}'
    const text = `{"api_key":"phc_x","batch":[{"event":"e","properties":${first},"distinct_id":"u"} , {"properties" : ${second},"event":"f"}],"sent_at":"2026-01-01T00:00:00.000Z"}`
    const texts = found(text)
    expect(texts).toEqual([first, second])
    expect(texts!.map((t) => JSON.parse(t!))).toEqual((JSON.parse(text) as { batch: { properties: unknown }[] }).batch.map((e) => e.properties))
    const layout = batchLayout(text)!
    expect(text[layout.open]).toBe('[')
    expect(text[layout.close]).toBe(']')
    expect(layout.commas.map((at) => text[at])).toEqual([','])
  })

  it('reads an array of events too, and finds no event array in a single event', () => {
    const text = '[{"event":"a","properties":{"v":1}},{"event":"b"}]'
    expect(found(text)).toEqual(['{"v":1}', undefined])
    expect(batchLayout('{"event":"e","properties":{"v":1}}')).toBeUndefined()
  })

  it('skips events without object properties and properties keys deeper inside an event', () => {
    const text = '{"batch":[{"event":"a","properties":5},{"event":"b","$set":{"properties":{"no":1}}},{"event":"c","properties":"x","other":{"k":1}}],"api_key":"k"}'
    expect(found(text)).toEqual([undefined, undefined, undefined])
  })

  it('takes the last of repeated keys, as JSON.parse does, escaped `batch` keys included', () => {
    const text = '{"batch":[{"event":"old","properties":{"v":1}}],"batch":[{"event":"e","properties":{"v":2},"properties":{"v":3}}],"api_key":"k"}'
    expect(found(text)).toEqual(['{"v":3}'])
    expect(found('{"b\\u0061tch":[{"event":"e","properties":{"v":1}}],"batch":[{"event":"e","properties":{"v":2}}]}')).toEqual(['{"v":2}'])
    expect(found('{"batch":[{"event":"e","properties":{"v":2}}],"b\\u0061tch":[{"event":"e","properties":{"v":1}}]}')).toEqual(['{"v":1}'])
  })

  it('leaves the spans out where an event key is escaped, and counts only object elements', () => {
    expect(found('{"batch":[{"event":"e","properties":{"v":1},"propert\\u0069es":{"v":2}}],"api_key":"k"}')).toBeUndefined()
    expect(batchLayout('{"batch":[{"event":"e","properties":{}}, 3]}')!.elements).toBe(1)
  })

  it('finds the same layout whatever the slice size, and every span is the properties JSON.parse gives', () => {
    const event = fc.record(
      { event: fc.string(), distinct_id: fc.string(), properties: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()), other: fc.jsonValue() },
      { requiredKeys: ['event'] },
    )
    const body = fc.oneof(fc.array(event), fc.record({ api_key: fc.string(), batch: fc.array(event), sent_at: fc.string() }, { requiredKeys: ['batch'] }))
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 40 }), fc.boolean(), (value, chars, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 1 : undefined)
        const whole = batchLayout(text)
        expect(scanInSlices(text, chars)).toEqual(whole)
        const texts = found(text, whole)
        expect(texts).toBeDefined()
        eventsOf(text).forEach((e, i) => {
          const properties = (e as { properties?: unknown }).properties
          if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) expect(JSON.parse(texts![i]!)).toEqual(properties)
          else expect(texts![i]).toBeUndefined()
        })
      }),
      { numRuns: 300 },
    )
  })
})

describe('parseCapture keeps the properties JSON only when it is stored unchanged', () => {
  it('keeps it for a plain batch and drops it where $set is moved into the properties', async () => {
    const text = JSON.stringify({
      api_key: 'phc_x',
      batch: [
        { event: 'plain', distinct_id: 'u', properties: { a: 1, nested: { b: [1, 2] } } },
        { event: '$identify', distinct_id: 'u', properties: { a: 2 }, $set: { email: 'e@example.com' } },
        { event: 'none', distinct_id: 'u' },
      ],
    })
    const { events } = await parseCapture(text)
    expect(events[0].propertiesJson).toBe('{"a":1,"nested":{"b":[1,2]}}')
    expect(events[1].propertiesJson).toBeUndefined()
    expect(events[1]!.properties?.$set).toEqual({ email: 'e@example.com' })
    expect(events[2].propertiesJson).toBeUndefined()
  })

  it('keeps it in a batch parsed in slices (over 1 MiB) and in an array of events', async () => {
    const pad = 'x'.repeat(1000)
    const batch = Array.from({ length: 6000 }, (_, i) => ({ event: 'e', distinct_id: `u${i}`, properties: { i, pad } }))
    const big = await parseCapture(JSON.stringify({ api_key: 'phc_x', batch }))
    expect(big.events).toHaveLength(6000)
    expect(big.events.every((e, i) => e.propertiesJson === JSON.stringify(batch[i]!.properties))).toBe(true)
    const array = await parseCapture(JSON.stringify([{ event: 'e', distinct_id: 'u', token: 'phc_x', properties: { a: 1 } }]))
    expect(array.events[0]!.propertiesJson).toBe('{"a":1}')
  })

  it('does not keep it for a single event (its properties are serialised once)', async () => {
    const { events } = await parseCapture(JSON.stringify({ event: 'e', distinct_id: 'u', api_key: 'phc_x', properties: { a: 1 } }))
    expect(events[0]!.propertiesJson).toBeUndefined()
    expect(events[0]!.properties).toEqual({ a: 1 })
  })
})
