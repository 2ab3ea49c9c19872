import { describe, expect, it } from 'vitest'
import { parseCapture } from './parse-capture.js'
import { KEEP_JSON_LIMIT, propertiesSpans } from './properties-spans.js'

/** The properties texts the scanner finds, or undefined when it gives up. */
function found(text: string): (string | undefined)[] | undefined {
  const batch = (JSON.parse(text) as { batch: unknown[] }).batch
  const spans = propertiesSpans(text, batch.length)
  if (spans === undefined) return undefined
  return batch.map((_, i) => (spans[i * 2] < 0 ? undefined : text.slice(spans[i * 2], spans[i * 2 + 1])))
}

describe('propertiesSpans', () => {
  it('finds each event’s properties object as sent, nested objects, strings with braces and escapes included', () => {
    const first = '{ "a": {"b": [1, {"c": "}]{["}]}, "q": "say \\"hi\\" \\\\", "$set": {"x": 1} }'
    const second = '{}'
    const text = `{"api_key":"phc_x","batch":[{"event":"e","properties":${first},"distinct_id":"u"} , {"properties" : ${second},"event":"f"}],"sent_at":"2026-01-01T00:00:00.000Z"}`
    const texts = found(text)
    expect(texts).toEqual([first, second])
    expect(texts!.map((t) => JSON.parse(t!))).toEqual((JSON.parse(text) as { batch: { properties: unknown }[] }).batch.map((e) => e.properties))
  })

  it('skips events without object properties and properties keys deeper inside an event', () => {
    const text = '{"batch":[{"event":"a","properties":5},{"event":"b","$set":{"properties":{"no":1}}},{"event":"c","properties":"x","other":{"k":1}}],"api_key":"k"}'
    expect(found(text)).toEqual([undefined, undefined, undefined])
  })

  it('takes the last of repeated keys, as JSON.parse does', () => {
    const text = '{"batch":[{"event":"old","properties":{"v":1}}],"batch":[{"event":"e","properties":{"v":2},"properties":{"v":3}}],"api_key":"k"}'
    expect(found(text)).toEqual(['{"v":3}'])
  })

  it('gives up on shapes it does not read: escaped keys, arrays of events, single events, oversize bodies', () => {
    expect(found('{"batch":[{"event":"e","properties":{"v":1},"propert\\u0069es":{"v":2}}],"api_key":"k"}')).toBeUndefined()
    expect(found('{"b\\u0061tch":[{"event":"e","properties":{"v":1}}],"batch":[{"event":"e","properties":{"v":2}}]}')).toBeUndefined()
    expect(propertiesSpans('[{"event":"e","properties":{"v":1}}]', 1)).toBeUndefined()
    expect(propertiesSpans('{"event":"e","properties":{"v":1}}', 1)).toBeUndefined()
    expect(propertiesSpans('{"batch":[{"event":"e","properties":{}}]}', 2)).toBeUndefined()
    const big = `{"batch":[{"event":"e","properties":{"pad":"${'x'.repeat(KEEP_JSON_LIMIT)}"}}]}`
    expect(propertiesSpans(big, 1)).toBeUndefined()
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
    expect(events[1].properties.$set).toEqual({ email: 'e@example.com' })
    expect(events[2].propertiesJson).toBeUndefined()
  })
})
