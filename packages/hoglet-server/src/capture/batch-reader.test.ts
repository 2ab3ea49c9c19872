import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../http/errors.js'
import type { IncomingEvent } from '../store/events.js'
import { BatchReader, readBatch } from './batch-reader.js'
import { parseCapture, parseCaptureWithJsonParse } from './parse-capture.js'

const NOW = new Date('2026-03-01T10:00:00.000Z')

/** An event as it would be stored: properties compared as values, whichever form carried them; a uuid made up for an event without one is random. */
function stored(e: IncomingEvent, text?: string): unknown {
  return { uuid: text === undefined || text.includes(e.uuid) ? e.uuid : '(made up)', event: e.event, distinct_id: e.distinct_id, timestamp: e.timestamp, properties: e.properties ?? JSON.parse(e.propertiesJson!) }
}

/** What a parse gives: the token and stored events, or the error's status, code and message. */
async function outcome(parse: Promise<{ token: string; events: IncomingEvent[] }>, text: string): Promise<unknown> {
  try {
    const { token, events } = await parse
    return { token, events: events.map((e) => stored(e, text)) }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error
    return { status: error.status, code: error.code, message: error.message }
  }
}

/** Both paths agree on `text` (events, token, or the error). */
async function expectSamePaths(text: string): Promise<void> {
  expect(await outcome(parseCapture(text, NOW), text), text).toEqual(await outcome(parseCaptureWithJsonParse(text, NOW), text))
}

const uuid = fc.oneof(fc.uuid({ version: 7 }), fc.uuid({ version: 4 }).map((u) => u.toUpperCase()), fc.constantFrom('not-a-uuid', '', 7, null))
const timestamp = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-01-02T03:04:05Z', 'yesterday', 12345, '', null),
)
const key = fc.oneof(fc.string(), fc.constantFrom('$set', '$set_once', '$unset', 'alias', '$anon_distinct_id', '$process_person_profile', 'distinct_id', 'token', '$lib'))
const properties = fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, fc.jsonValue()) }, { weight: 1, arbitrary: fc.jsonValue() })
const event = fc.record(
  {
    uuid,
    event: fc.oneof(fc.string(), fc.constantFrom('$identify', '$create_alias', '$groupidentify', 'page viewed', ''), fc.integer()),
    distinct_id: fc.oneof(fc.string(), fc.string({ minLength: 190, maxLength: 210 }), fc.integer(), fc.constant(null)),
    $distinct_id: fc.string(),
    timestamp,
    properties,
    $set: fc.dictionary(fc.string(), fc.jsonValue()),
    other: fc.jsonValue(),
  },
  { requiredKeys: ['event', 'distinct_id', 'uuid', 'timestamp'] },
)
const batchBody = fc.record(
  { api_key: fc.oneof(fc.constant('phc_key'), fc.string()), token: fc.string(), batch: fc.array(fc.oneof({ weight: 9, arbitrary: event }, { weight: 1, arbitrary: fc.jsonValue() }), { maxLength: 6 }), sent_at: fc.string() },
  { requiredKeys: ['batch'] },
)

describe('the batch reader', () => {
  it('reads what the SDKs send without building the properties objects', async () => {
    const text = JSON.stringify({
      api_key: 'phc_x',
      batch: [
        { uuid: '01a232e2-3ebf-7605-9f2a-b40c218b3991', event: 'page viewed', distinct_id: 'u1', properties: { $lib: 'hoglet', path: '/a "b" {c}' }, timestamp: '2026-12-01T18:33:37.727Z' },
        { uuid: '01a232e2-3ebf-7605-9f2a-b40c218b3992', event: 'signed up', distinct_id: 'u1', properties: { $set: { plan: 'pro' } }, timestamp: '2026-12-01T18:33:37.728Z' },
        { uuid: '01a232e2-3ebf-7605-9f2a-b40c218b3993', event: '$identify', distinct_id: 'u2', properties: { $anon_distinct_id: 'u1' }, timestamp: '2026-12-01T18:33:37.729Z' },
      ],
      sent_at: '2026-12-01T18:33:38.000Z',
    })
    expect(readBatch(text)?.count).toBe(3)
    const { token, events } = await parseCapture(text, NOW)
    expect(token).toBe('phc_x')
    expect(events[0]).toEqual({
      uuid: '01a232e2-3ebf-7605-9f2a-b40c218b3991',
      event: 'page viewed',
      distinct_id: 'u1',
      timestamp: '2026-12-01T18:33:37.727Z',
      properties: undefined,
      propertiesJson: '{"$lib":"hoglet","path":"/a \\"b\\" {c}"}',
    })
    // A key persons read, or an event whose person effects read its properties: the object is there.
    expect(events[1]!.properties).toEqual({ $set: { plan: 'pro' } })
    expect(events[2]!.properties).toEqual({ $anon_distinct_id: 'u1' })
    await expectSamePaths(text)
  })

  it('gives what the JSON.parse path gives, events or error, for any batch body', async () => {
    await fc.assert(
      fc.asyncProperty(batchBody, fc.boolean(), async (value, spaced) => {
        await expectSamePaths(JSON.stringify(value, null, spaced ? 1 : undefined))
      }),
      { numRuns: 500 },
    )
  })

  it('accepts nothing JSON.parse refuses: texts one edit away from a valid body', async () => {
    const edits = fc.constantFrom('', ',', ' ', '\n', '\u0001', '[', ']', '{', '}', '"', ':', '\\', '\\u', '0', '-', '.', 'e', 'tru', 'nul')
    await fc.assert(
      fc.asyncProperty(batchBody, fc.nat(), edits, async (value, at, insert) => {
        const valid = JSON.stringify(value)
        const position = at % (valid.length + 1)
        for (const text of [valid.slice(0, position) + insert + valid.slice(position), valid.slice(0, position) + valid.slice(position + 1)]) {
          let parses = true
          try {
            JSON.parse(text)
          } catch {
            parses = false
          }
          if (!parses) expect(readBatch(text), text).toBeUndefined()
          await expectSamePaths(text)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('refuses the JSON that is easy to get wrong, and gives up where JSON.parse must decide', () => {
    const event = '{"uuid":"01a232e2-3ebf-7605-9f2a-b40c218b3991","event":"e","distinct_id":"u","properties":PROPS,"timestamp":"2026-12-01T18:33:37.727Z"}'
    const body = (props: string, rest = ''): string => `{"api_key":"k","batch":[${event.replace('PROPS', props)}]${rest}}`
    for (const bad of ['{"a":"x\ty"}', '{"a":"\\x"}', '{"a":"\\u12g4"}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":-}', '{"a":tru}', '{"a":1,}', '{,}', '{"a" 1}', '{"a":[1,]}', '{"a":"\u0000"}']) {
      expect(readBatch(body(bad)), bad).toBeUndefined()
      expect(() => JSON.parse(body(bad)), bad).toThrow()
    }
    for (const good of ['{"a":"\\u00e9\\n\\"\\\\\\/"}', '{"a":-0.5e+10,"b":[true,false,null],"c":{}}', '{}', '{ "a" : [ ] }']) {
      expect(readBatch(body(good))?.count, good).toBe(1)
    }
    expect(readBatch(body('{}') + ' x')).toBeUndefined()
    // Shapes left to JSON.parse: a second or escaped `batch` key, an array body, too deep a nesting.
    expect(readBatch(body('{}', ',"batch":[]'))).toBeUndefined()
    expect(readBatch(body('{}', ',"b\\u0061tch":[]'))).toBeUndefined()
    expect(readBatch(`[${event.replace('PROPS', '{}')}]`)).toBeUndefined()
    expect(readBatch(body('['.repeat(600) + ']'.repeat(600)))).toBeUndefined()
    expect(readBatch(body('['.repeat(400) + ']'.repeat(400)))?.count).toBe(1)
  })

  it('parses alone the events it does not read itself, and keeps every error of the JSON.parse path', async () => {
    const uuid = '01a232e2-3ebf-7605-9f2a-b40c218b3991'
    const cases = [
      { uuid, event: 'e', distinct_id: 'u', $set: { a: 1 }, properties: { b: 2 } }, // top-level $set moves into the properties
      { uuid, event: 'e', distinct_id: 42, properties: {} }, // a number as distinct id
      { uuid, event: 'e', $distinct_id: 'v', properties: {} },
      { uuid, event: 'e', distinct_id: 'x'.repeat(300), properties: {} }, // cut to 200
      { event: 'e', distinct_id: 'u' }, // no uuid, no properties
      { uuid, event: 'e', distinct_id: 'u', timestamp: '2026-01-02T03:04:05+01:00', properties: { a: 1 } },
      { uuid, event: 'e', distinct_id: 'u', properties: { a: 1 }, properties2: 1 },
    ]
    for (const e of cases) {
      const text = JSON.stringify({ api_key: 'k', batch: [e] })
      const [fast, slow] = [await parseCapture(text, NOW), await parseCaptureWithJsonParse(text, NOW)]
      if (e.uuid === undefined) {
        expect(fast.events[0]!.uuid).toMatch(/^[0-9a-f-]{36}$/)
        fast.events[0]!.uuid = slow.events[0]!.uuid
      }
      expect(fast.events.map((e) => stored(e))).toEqual(slow.events.map((e) => stored(e)))
    }
    const escapedKey = `{"api_key":"k","batch":[{"uuid":"${uuid}","event":"e","distinct_id":"u","properties":{"a":1},"propert\\u0069es":{"b":2}}]}`
    expect((await parseCapture(escapedKey, NOW)).events.map((e) => stored(e))).toEqual([{ uuid, event: 'e', distinct_id: 'u', timestamp: NOW.toISOString(), properties: { b: 2 } }])
    for (const bad of [{ uuid: 'nope', event: 'e', distinct_id: 'u' }, { uuid, event: '', distinct_id: 'u' }, { uuid, event: 'e', distinct_id: '' }, { uuid, event: 'e', distinct_id: 'u', timestamp: 'soon' }, 5]) {
      await expectSamePaths(JSON.stringify({ api_key: 'k', batch: [{ uuid, event: 'ok', distinct_id: 'u' }, bad] }))
    }
    await expectSamePaths(JSON.stringify({ api_key: 'k', batch: [] }))
    await expectSamePaths(JSON.stringify({ batch: [{ uuid, event: 'e', distinct_id: 'u', token: 'from-event' }] }))
  })

  it('finds the same events whatever the slice size', () => {
    fc.assert(
      fc.property(batchBody, fc.integer({ min: 1, max: 50 }), (value, chars) => {
        const text = JSON.stringify(value)
        const reader = new BatchReader(text)
        while (!reader.done) reader.scan(chars)
        const sliced = reader.result()
        const whole = readBatch(text)
        expect(sliced?.count).toEqual(whole?.count)
        if (whole) expect(sliced!.records.subarray(0, whole.count * 13)).toEqual(whole.records.subarray(0, whole.count * 13))
      }),
      { numRuns: 300 },
    )
  })
})
