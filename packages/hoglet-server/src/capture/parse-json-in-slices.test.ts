import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJsonInSlices } from './parse-json-in-slices.js'

/** What JSON.parse gives, or 'throws'. */
function reference(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return 'throws'
  }
}

/** parseJsonInSlices with tiny slices, so even short texts are cut; or 'throws'. */
async function sliced(text: string, slice: number): Promise<unknown> {
  try {
    return await parseJsonInSlices(text, { atOnce: 0, slice })
  } catch (error) {
    expect(error).toBeInstanceOf(SyntaxError)
    return 'throws'
  }
}

const event = fc.record({ event: fc.string(), distinct_id: fc.oneof(fc.string(), fc.integer()), properties: fc.dictionary(fc.string(), fc.jsonValue()) }, { requiredKeys: ['event'] })
const body = fc.oneof(
  fc.array(fc.oneof(event, fc.jsonValue())),
  fc.record({ api_key: fc.string(), batch: fc.array(fc.oneof(event, fc.jsonValue())), sent_at: fc.string() }, { requiredKeys: ['batch'] }),
  fc.jsonValue(),
)

describe('parseJsonInSlices', () => {
  it('gives what JSON.parse gives for any JSON, with any slice size and spacing', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.integer({ min: 1, max: 64 }), fc.boolean(), async (value, slice, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 1 : undefined)
        expect(await sliced(text, slice)).toEqual(JSON.parse(text))
      }),
      { numRuns: 400 },
    )
  })

  it('throws where JSON.parse throws, for texts one edit away from valid JSON', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.integer({ min: 1, max: 16 }), fc.nat(), fc.constantFrom('', ',', ' ', '[', ']', '{', '}', '"', ':', '\\', '0'), async (value, slice, at, insert) => {
        const valid = JSON.stringify(value)
        const position = at % (valid.length + 1)
        for (const text of [valid.slice(0, position) + insert + valid.slice(position), valid.slice(0, position) + valid.slice(position + 1)]) {
          expect(await sliced(text, slice), text).toEqual(reference(text))
        }
      }),
      { numRuns: 400 },
    )
  })

  it('refuses empty elements and trailing commas at any cut, and keeps the last `batch` key as JSON.parse does', async () => {
    for (const text of ['[1, ,2]', '[1,2,]', '[,1]', '[ , ]', '{"batch":[1,2,]}', '{"batch":[1 2]}', '{"batch":[1,2]} x', '[1,2] ]', '{"batch":[1,2]', '{"batch":[{"a":1},,{"b":2}]}']) {
      for (const slice of [1, 2, 3, 5, 100]) expect(await sliced(text, slice), `${text} / ${slice}`).toBe('throws')
    }
    for (const text of ['{"batch":[1,2],"\\u0062atch":[3]}', '{"\\u0062atch":[3],"batch":[1,2]}', '{"batch":[1],"batch":[2,3]}', '{"batch":"x","other":[1,2]}', '[]', '{"batch":[]}', ' [ 1 , 2 ] ']) {
      for (const slice of [1, 2, 3, 100]) expect(await sliced(text, slice), `${text} / ${slice}`).toEqual(JSON.parse(text))
    }
  })

  it('yields to the event loop while parsing a large batch', async () => {
    const one = JSON.stringify({ event: 'e', distinct_id: 'u' })
    const text = `{"api_key":"k","batch":[${Array(100_000).fill(one).join(',')}]}`
    let turns = 0
    let counting = true
    const tick = (): void => {
      turns++
      if (counting) setImmediate(tick)
    }
    setImmediate(tick)
    const parsed = (await parseJsonInSlices(text, { atOnce: 0, slice: 64 * 1024 })) as { batch: unknown[] }
    counting = false
    expect(parsed.batch).toHaveLength(100_000)
    expect(turns).toBeGreaterThan(10) // the text is 3 MiB: dozens of slices, with other work between them
  })
})
