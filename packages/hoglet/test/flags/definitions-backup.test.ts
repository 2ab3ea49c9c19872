import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PostHog } from '../../src/index.js'
import { nodeTextFile } from '../../src/runtime/node-text-file.js'
import { clientFor, serverPerTest } from '../helpers/client.js'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoglet-backup-'))
  file = join(dir, 'nested', 'flags.json')
})
// Registered before serverPerTest, so it runs after the clients are shut down and the server closed.
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})
const { server, client: tracked } = serverPerTest()

const defs = (...keys: string[]) => ({
  flags: keys.map((key, i) => ({ key, id: i + 1, active: true, filters: { groups: [{ properties: [], rollout_percentage: 100 }] } })),
  group_type_mapping: { '0': 'company' },
  cohorts: {},
})

function serve(body: unknown, etag = '"v1"'): void {
  server.route('/flags/definitions', { status: 200, headers: { etag }, body })
}

function client(options: Parameters<typeof clientFor>[1] = {}): { posthog: PostHog; warnings: string[] } {
  const warnings: string[] = []
  const posthog = tracked({
    personalApiKey: 'phx_test',
    flagDefinitionsBackupPath: file,
    fetchRetryCount: 0,
    logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(String(m)), error: (m: string) => warnings.push(String(m)) },
    ...options,
  })
  return { posthog, warnings }
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const saved = (): any => JSON.parse(readFileSync(file, 'utf8'))

describe('last-known-good flag definitions on disk', () => {
  it('are written after a load, with the ETag and the save time, in the definitions endpoint shape', async () => {
    serve(defs('flag-a'))
    const { posthog } = client()
    expect(await posthog.waitForLocalEvaluationReady(3000)).toBe(true)
    await until(() => existsSync(file))
    const copy = saved()
    expect(copy.flags.map((f: { key: string }) => f.key)).toEqual(['flag-a'])
    expect(copy).toMatchObject({ etag: '"v1"', group_type_mapping: { '0': 'company' }, cohorts: {} })
    expect(Math.abs(Date.parse(copy.saved_at) - Date.now())).toBeLessThan(5000)
    // Written through a temporary file and a rename: nothing else is left in the folder.
    expect(readdirSync(join(dir, 'nested'))).toEqual(['flags.json'])
  })

  it('are used at start when PostHog cannot be reached, with their age reported, until PostHog answers', async () => {
    serve(defs('flag-a'))
    const first = client()
    expect(await first.posthog.waitForLocalEvaluationReady(3000)).toBe(true)
    await until(() => {
      try {
        return saved().flags.length === 1
      } catch {
        return false
      }
    })
    await first.posthog.shutdown(2000)
    // Pretend the copy was saved ten minutes ago.
    const copy = saved()
    const savedAt = Date.now() - 10 * 60_000
    writeFileSync(file, JSON.stringify({ ...copy, saved_at: new Date(savedAt).toISOString() }))

    server.route('/flags/definitions', { status: 503, body: { error: 'down' } })
    const { posthog, warnings } = client()
    expect(await posthog.waitForLocalEvaluationReady(3000)).toBe(true)
    expect(await posthog.getFeatureFlag('flag-a', 'user-1', { onlyEvaluateLocally: true })).toBe(true)
    expect(warnings.find((w) => w.includes('last-known-good'))).toMatch(/saved 10 min ago \(1 flags\)/)
    // Exposure events carry when these definitions were loaded: the copy's save time.
    await posthog.getFeatureFlag('flag-a', 'user-2')
    await posthog.flush()
    const exposure = server.requestsTo('/batch/').flatMap((r) => r.json.batch).find((e: any) => e.event === '$feature_flag_called')
    expect(exposure.properties.$feature_flag_definitions_loaded_at).toBe(savedAt)

    // PostHog answers again with newer definitions: they replace the copy, in memory and on disk.
    serve(defs('flag-b'), '"v2"')
    await posthog.reloadFeatureFlags()
    expect(await posthog.getFeatureFlag('flag-a', 'user-1', { onlyEvaluateLocally: true })).toBeUndefined()
    expect(await posthog.getFeatureFlag('flag-b', 'user-1', { onlyEvaluateLocally: true })).toBe(true)
    await until(() => saved().etag === '"v2"')
    // The copy's ETag was sent, so an unchanged answer would have been a 304.
    const polls = server.requestsTo('/flags/definitions')
    expect(polls[polls.length - 1]!.headers['if-none-match']).toBe('"v1"')
  })

  it('are never used when PostHog answers at start', async () => {
    const path = join(dir, 'stale.json')
    writeFileSync(path, JSON.stringify({ saved_at: new Date().toISOString(), ...defs('flag-old') }))
    serve(defs('flag-new'))
    const { posthog, warnings } = client({ flagDefinitionsBackupPath: path })
    expect(await posthog.waitForLocalEvaluationReady(3000)).toBe(true)
    expect(await posthog.getFeatureFlag('flag-old', 'user-1', { onlyEvaluateLocally: true })).toBeUndefined()
    expect(await posthog.getFeatureFlag('flag-new', 'user-1', { onlyEvaluateLocally: true })).toBe(true)
    expect(warnings.some((w) => w.includes('last-known-good'))).toBe(false)
  })

  it('are refused when older than flagDefinitionsBackupMaxAgeMs', async () => {
    const path = join(dir, 'old-copy.json')
    writeFileSync(path, JSON.stringify({ saved_at: new Date(Date.now() - 2 * 3600_000).toISOString(), ...defs('flag-a') }))
    server.route('/flags/definitions', { status: 503 })
    const { posthog, warnings } = client({ flagDefinitionsBackupPath: path, flagDefinitionsBackupMaxAgeMs: 3600_000 })
    expect(await posthog.waitForLocalEvaluationReady(500)).toBe(false)
    expect(await posthog.getFeatureFlag('flag-a', 'user-1', { onlyEvaluateLocally: true })).toBeUndefined()
    expect(warnings.some((w) => /is 2 h old, over flagDefinitionsBackupMaxAgeMs/.test(w))).toBe(true)
  })

  it('ignore a file that is not a saved copy, and say so', async () => {
    const path = join(dir, 'garbage.json')
    writeFileSync(path, '{"flags": "nope"')
    server.route('/flags/definitions', { status: 503 })
    const { posthog, warnings } = client({ flagDefinitionsBackupPath: path })
    expect(await posthog.waitForLocalEvaluationReady(500)).toBe(false)
    expect(warnings.some((w) => w.includes('is not a saved copy'))).toBe(true)
  })

  it('a reader never sees a partly written file', async () => {
    const path = join(dir, 'atomic.json')
    const textFile = nodeTextFile(path)
    const big = JSON.stringify(defs(...Array.from({ length: 2000 }, (_, i) => `flag-${i}`)))
    let reads = 0
    const writes = Array.from({ length: 20 }, () => textFile.write(big))
    const reading = (async () => {
      while (reads < 200) {
        const text = await textFile.read()
        if (text !== undefined) expect(JSON.parse(text).flags).toHaveLength(2000)
        reads++
      }
    })()
    await Promise.all([...writes, reading])
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('rejects a bad option at construction, naming it', () => {
    expect(() => clientFor(server, { flagDefinitionsBackupMaxAgeMs: -1 })).toThrow(/flagDefinitionsBackupMaxAgeMs/)
    expect(() => clientFor(server, { flagDefinitionsBackupPath: 42 as unknown as string })).toThrow(/flagDefinitionsBackupPath/)
  })
})
