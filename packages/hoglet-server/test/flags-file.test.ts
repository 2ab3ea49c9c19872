import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { normalizeDefinitions } from '../src/flags/flags-file.js'
import { startTestServer } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'hoglet-flags-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('flags file', () => {
  it('fills what a hand-written file leaves out', () => {
    const defs = normalizeDefinitions({
      group_type_mapping: ['company', 'project'],
      flags: [{ key: 'a' }, { key: 'b', id: 1, rollout_percentage: 30, filters: { payloads: { true: { x: 1 } } } }],
    })
    expect(defs.group_type_mapping).toEqual({ '0': 'company', '1': 'project' })
    expect(defs.flags[0]).toMatchObject({ key: 'a', id: 2, active: true, deleted: false, version: 1, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } })
    expect(defs.flags[1]!.filters).toEqual({ groups: [{ properties: [], rollout_percentage: 30 }], payloads: { true: '{"x":1}' } })
  })

  it('refuses files without flags, flags without keys, and duplicate keys', () => {
    expect(() => normalizeDefinitions({})).toThrow(/`flags` array/)
    expect(() => normalizeDefinitions({ flags: [{}] })).toThrow(/no `key`/)
    expect(() => normalizeDefinitions({ flags: [{ key: 'a' }, { key: 'a' }] })).toThrow(/appears twice/)
  })

  it('loads JSON, and reloads when the file changes, also when replaced by rename', async () => {
    const file = join(dir, 'flags.json')
    writeFileSync(file, JSON.stringify({ flags: [{ key: 'one' }] }))
    const server = await startTestServer({ flagsFile: file })
    expect(server.flags.definitions.flags.map((f) => f.key)).toEqual(['one'])

    writeFileSync(file, JSON.stringify({ flags: [{ key: 'one' }, { key: 'two' }] }))
    await waitFor(() => server.flags.definitions.flags.length === 2)

    // Editors often save by writing a temporary file and renaming it over the original.
    writeFileSync(join(dir, 'flags.json.tmp'), JSON.stringify({ flags: [{ key: 'three' }] }))
    renameSync(join(dir, 'flags.json.tmp'), file)
    await waitFor(() => server.flags.definitions.flags[0]?.key === 'three')
  })

  it('keeps the previous definitions when an edit breaks the file', async () => {
    const file = join(dir, 'flags.yaml')
    writeFileSync(file, 'flags:\n  - key: stable\n')
    const errors: string[] = []
    const server = await startTestServer({ flagsFile: file, logger: { info() {}, warn() {}, error: (m) => errors.push(m) } })
    writeFileSync(file, 'flags: [ {key: ')
    await waitFor(() => errors.length > 0)
    expect(errors[0]).toContain('keeping the previous definitions')
    expect(server.flags.definitions.flags.map((f) => f.key)).toEqual(['stable'])
    writeFileSync(file, 'flags:\n  - key: fixed\n')
    await waitFor(() => server.flags.definitions.flags[0]?.key === 'fixed')
  })

  it('refuses to start with a missing or invalid flags file', async () => {
    await expect(startTestServer({ flagsFile: join(dir, 'nope.yaml') })).rejects.toThrow(/ENOENT/)
    writeFileSync(join(dir, 'bad.json'), '{"flags": 3}')
    await expect(startTestServer({ flagsFile: join(dir, 'bad.json') })).rejects.toThrow(/`flags` array/)
  })

  it('refuses invalid options at construction, naming the option', async () => {
    await expect(startTestServer({ port: 70000 })).rejects.toThrow(RangeError)
    await expect(startTestServer({ port: 70000 })).rejects.toThrow('`port`')
    await expect(startTestServer({ database: '' })).rejects.toThrow('`database`')
  })
})
