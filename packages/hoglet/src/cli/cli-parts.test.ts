import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseCsvRecord } from './csv.js'
import { lineUuid } from './deterministic-uuid.js'
import { parseTimestamp } from './event-mapping.js'
import { readLines, type InputLine } from './line-reader.js'

const dir = mkdtempSync(join(tmpdir(), 'hoglet-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function all(path: string, options: Parameters<typeof readLines>[1]): Promise<InputLine[]> {
  const lines: InputLine[] = []
  for await (const line of readLines(path, options)) lines.push(line)
  return lines
}

describe('readLines', () => {
  const file = join(dir, 'lines.txt')
  const long = 'x'.repeat(100)
  writeFileSync(file, `first\r\nsécond\n${long}\n\nlast-without-newline`)

  it('gives each line, its number and the exact offset past it, across tiny chunks', async () => {
    const lines = await all(file, { maxLineBytes: 1000, chunkBytes: 3 })
    expect(lines.map((l) => [l.number, l.text, l.tooLong])).toEqual([[1, 'first', false], [2, 'sécond', false], [3, long, false], [4, '', false], [5, 'last-without-newline', false]])
    expect(lines.map((l) => l.endOffset)).toEqual([7, 15, 116, 117, 137])
  })

  it('resumes from an offset with the same lines after it', async () => {
    const lines = await all(file, { start: 15, firstLine: 3, maxLineBytes: 1000, chunkBytes: 7 })
    expect(lines.map((l) => [l.number, l.text])).toEqual([[3, long], [4, ''], [5, 'last-without-newline']])
  })

  it('reports a line over the limit without its text, and goes on', async () => {
    const lines = await all(file, { maxLineBytes: 50, chunkBytes: 8 })
    expect(lines.map((l) => [l.number, l.tooLong, l.text])).toEqual([[1, false, 'first'], [2, false, 'sécond'], [3, true, ''], [4, false, ''], [5, false, 'last-without-newline']])
    expect(lines[2]!.endOffset).toBe(116)
  })
})

describe('parseCsvRecord', () => {
  it('splits fields, unquotes and unescapes, and says when a quoted field is still open', () => {
    expect(parseCsvRecord('a,"b,c","say ""hi""",')).toEqual(['a', 'b,c', 'say "hi"', ''])
    expect(parseCsvRecord('a,"open')).toBeUndefined()
    expect(parseCsvRecord('a,"open\nclosed"')).toEqual(['a', 'open\nclosed'])
  })
})

describe('lineUuid', () => {
  it('is a version-8 UUID that depends on source, line number and text only', () => {
    const id = lineUuid('events.jsonl', 7, '{"a":1}')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(lineUuid('events.jsonl', 7, '{"a":1}')).toBe(id)
    expect(new Set([id, lineUuid('events.jsonl', 8, '{"a":1}'), lineUuid('other.jsonl', 7, '{"a":1}'), lineUuid('events.jsonl', 7, '{"a":2}')]).size).toBe(4)
  })
})

describe('parseTimestamp', () => {
  it('reads ISO strings and epoch seconds or milliseconds, and refuses the rest', () => {
    expect(parseTimestamp('2021-01-01T00:00:00Z')).toBe('2021-01-01T00:00:00.000Z')
    expect(parseTimestamp(1609459200)).toBe('2021-01-01T00:00:00.000Z')
    expect(parseTimestamp('1609459200000')).toBe('2021-01-01T00:00:00.000Z')
    expect(parseTimestamp('soon')).toBeUndefined()
    expect(parseTimestamp(true)).toBeUndefined()
  })
})
