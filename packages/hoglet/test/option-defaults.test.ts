import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../src/logger.js'
import { resolveOptions } from '../src/options.js'
import { runNodeToExit } from './helpers/child.js'
import { receivedEvents, serverPerTest } from './helpers/client.js'

// README option-table claims not proven elsewhere: the defaults of the rows src/options.test.ts
// leaves out, the `fetch` option's contract (an answer with just `status` and `text()` will do)
// and the spool's default directory (the OS temp dir + `hoglet-spool`).
const { server, client } = serverPerTest()

describe('the README option table', () => {
  it('gives the documented defaults', () => {
    // captureMode is settled by the client (the option, else POSTHOG_CAPTURE_MODE, else /batch/).
    expect(resolveOptions('phc_x', { logger: silentLogger })).toMatchObject({
      defaultOptIn: true,
      isServer: true,
      superProperties: {},
      flushOnSignals: false,
      shutdownTimeoutMs: 30_000,
      waitUntilDebounceMs: 50,
      waitUntilMaxWaitMs: 500,
      persistence: 'memory',
      persistenceDir: undefined,
      persistenceFsync: 'batch',
      persistenceMaxBytes: 64 * 1024 * 1024,
      preloadFeatureFlags: true,
      strictLocalEvaluation: false,
      disableRemoteFeatureFlags: false,
      flagDefinitionsBackupMaxAgeMs: 7 * 24 * 3600 * 1000,
    })
  })
})

describe('the fetch option', () => {
  it('works with an answer that has only status and text(), for capture and remote flags', async () => {
    const calls: string[] = []
    const c = client({
      flushAt: 1000,
      // No cast: the type asks for no more than hoglet reads (this file is type-checked).
      fetch: async (url, init) => {
        calls.push(new URL(url).pathname)
        const response = await fetch(url, init)
        const text = await response.text()
        return { status: response.status, text: async () => text }
      },
    })
    server.route('/flags', { body: { flags: { beta: { key: 'beta', enabled: true, variant: 'test', metadata: { id: 1, version: 1, payload: '{"steps":2}' } } } } })
    const errors: Error[] = []
    c.on('error', (e: Error) => errors.push(e))
    c.capture({ distinctId: 'u', event: 'through minimal fetch' })
    await c.flush()
    expect(await c.getFeatureFlag('beta', 'u', { sendFeatureFlagEvents: false })).toBe('test')
    expect(await c.getFeatureFlagPayload('beta', 'u')).toEqual({ steps: 2 })
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['through minimal fetch'])
    expect(calls).toContain('/batch/')
    expect(calls.some((p) => p.startsWith('/flags'))).toBe(true)
    expect(c.stats().delivered).toBe(1)
    expect(errors).toEqual([])
  })
})

describe("persistence: 'file' without persistenceDir (child processes using the built package)", () => {
  const dist = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href
  let temp: string | undefined

  beforeAll(() => {
    if (!existsSync(new URL('../dist/index.js', import.meta.url))) throw new Error('Build the package first (npm run build): these tests run dist/index.js')
  })
  afterEach(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
    temp = undefined
  })

  /** Runs a script with the OS temp dir pointed at `dir` (TMPDIR), so the default spool lives there. */
  const run = (dir: string, script: string) => runNodeToExit(['--input-type=module', '-e', script], 'child', { env: { TMPDIR: dir } })

  it('spools under <os temp dir>/hoglet-spool, and the next client on the default directory replays it', async () => {
    temp = mkdtempSync(join(tmpdir(), 'hoglet-default-spool-'))
    const header = `import { PostHog } from ${JSON.stringify(dist)}\nconst c = new PostHog('phc_default_dir', { host: ${JSON.stringify(server.url)}, persistence: 'file', flushAt: 1000, flushInterval: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } })\n`
    // First process: captures and exits without sending (no flush, no shutdown).
    const first = await run(temp, `${header}for (let i = 0; i < 3; i++) c.capture({ distinctId: 'u', event: 'left-' + i })\n`)
    expect(first.code).toBe(0)
    expect(server.requests).toHaveLength(0)
    const spoolRoot = join(temp, 'hoglet-spool')
    expect(existsSync(spoolRoot)).toBe(true)
    expect(readdirSync(spoolRoot, { recursive: true }).length).toBeGreaterThan(0)
    // Second process: same (default) directory; it replays the three and delivers them.
    const second = await run(temp, `${header}const r = await c.shutdown(5000)\nconsole.log(JSON.stringify({ r, replayed: c.stats().replayed }))\n`)
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toEqual({ r: { delivered: 3, undelivered: 0, timedOut: false }, replayed: 3 })
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['left-0', 'left-1', 'left-2'])
  })
})
