import { relative } from 'node:path'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runNodeToExit } from './helpers/child.js'
import { createTestServer, type TestServer } from './helpers/test-server.js'
import { receivedEvents } from './integrations/helpers.js'

// These tests run a fixture against the built package, as users get it (`npm run build` first).
const fixture = fileURLToPath(new URL('./fixtures/autocapture-crash.mjs', import.meta.url))
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

function run(nodeArgs: string[], scenario: string, withHoglet: boolean, host = '', env: Record<string, string> = {}) {
  return runNodeToExit([fixture, scenario, withHoglet ? '1' : '0', host], `crash fixture (${scenario})`, { nodeArgs, env: { NODE_OPTIONS: '', ...env }, timeoutMs: 30_000 })
}

/** A recording server for one describe block, started after checking the package is built. */
function sinkForBlock(): { readonly server: TestServer } {
  const holder = {} as { server: TestServer }
  beforeAll(async () => {
    if (!existsSync(dist)) throw new Error('These tests run the built package: run `npm run build` first.')
    holder.server = await createTestServer()
  })
  afterAll(async () => {
    await holder.server?.close()
  })
  return holder
}

describe('exception autocapture in a real process', () => {
  const sink = sinkForBlock()

  /** Runs the scenario without and with hoglet; returns both runs and the events this run delivered. */
  async function compare(scenario: string, nodeArgs: string[] = []) {
    const before = receivedEvents(sink.server).length
    const plain = await run(nodeArgs, scenario, false)
    const hoglet = await run(nodeArgs, scenario, true, sink.server.url)
    return { plain, hoglet, events: receivedEvents(sink.server).slice(before) }
  }

  it('an uncaught exception is delivered, then crashes with the same exit code and stderr as without hoglet', async () => {
    const { plain, hoglet, events } = await compare('uncaught-error')
    expect(plain.code).toBe(1)
    expect(hoglet.code).toBe(plain.code)
    expect(hoglet.stderr).toBe(plain.stderr)
    expect(plain.stderr).toContain('TypeError: fixture crash')

    const exception = events.find((e) => e.event === '$exception')!
    expect(exception).toBeDefined()
    expect(exception.distinct_id).toBe('context-user')
    expect(exception.properties.job).toBe('nightly')
    const [outer, cause] = exception.properties.$exception_list
    expect(outer).toMatchObject({ type: 'TypeError', value: 'fixture crash', mechanism: { handled: false, type: 'onuncaughtexception' } })
    expect(cause).toMatchObject({ type: 'Error', value: 'root cause', mechanism: { type: 'chained', source: 'cause', parent_id: 0 } })
    // Relative to the working directory, as posthog-node sends it, with the source line.
    expect(outer.stacktrace.frames.at(-1).filename).toBe(relative(process.cwd(), fixture))
    expect(outer.stacktrace.frames.at(-1).context_line).toBeTypeOf('string')
    // Events queued before the crash go out with it.
    expect(events.map((e) => e.event)).toContain('before failure')
  })

  it('a crash on the tick after construction is delivered too (the exception code is there from the start)', async () => {
    const { plain, hoglet, events } = await compare('uncaught-at-once')
    expect(hoglet.code).toBe(plain.code)
    expect(hoglet.stderr).toBe(plain.stderr)
    const exception = events.find((e) => e.event === '$exception')!
    expect(exception.properties.$exception_list[0]).toMatchObject({ type: 'TypeError', value: 'crash at once', mechanism: { handled: false } })
    expect(exception.properties.$exception_list[0].stacktrace.frames.at(-1).context_line).toBeTypeOf('string')
    expect(events.map((e) => e.event)).toContain('before failure')
  })

  it('a thrown non-error crashes the same way and is captured as synthetic', async () => {
    const { plain, hoglet, events } = await compare('uncaught-string')
    expect(hoglet.code).toBe(plain.code)
    expect(hoglet.stderr).toBe(plain.stderr)
    const exception = events.find((e) => e.event === '$exception')!
    expect(exception.properties.$exception_list[0]).toMatchObject({ value: 'a thrown string', mechanism: { synthetic: true } })
  })

  for (const [label, args] of [
    ['default (throw) mode', []],
    ['strict mode', ['--unhandled-rejections=strict']],
  ] as const) {
    it(`an unhandled rejection in ${label} still crashes like Node and is delivered`, async () => {
      const { plain, hoglet, events } = await compare('rejection-error', [...args])
      expect(plain.code).toBe(1)
      expect(hoglet.code).toBe(plain.code)
      expect(hoglet.stderr).toBe(plain.stderr)
      const exception = events.find((e) => e.event === '$exception')!
      expect(exception.properties.$exception_list[0]).toMatchObject({ type: 'RangeError', value: 'fixture rejection', mechanism: { handled: false, type: 'onunhandledrejection' } })
    })
  }

  it('a rejection with a non-error value crashes with Node own message', async () => {
    const { plain, hoglet, events } = await compare('rejection-value')
    expect(hoglet.code).toBe(plain.code)
    expect(hoglet.stderr).toBe(plain.stderr)
    expect(plain.stderr).toContain('ERR_UNHANDLED_REJECTION')
    expect(events.some((e) => e.event === '$exception')).toBe(true)
  })

  for (const mode of ['warn', 'none'] as const) {
    it(`in --unhandled-rejections=${mode} mode the process lives on as without hoglet and the rejection is delivered`, async () => {
      const { plain, hoglet, events } = await compare('rejection-error', [`--unhandled-rejections=${mode}`])
      expect(plain.code).toBe(0)
      expect(hoglet.code).toBe(0)
      // Warnings carry the process id, which differs between the runs.
      const normalize = (s: string) => s.replace(/\(node:\d+\)/g, '(node:PID)')
      expect(normalize(hoglet.stderr)).toBe(normalize(plain.stderr))
      const exception = events.find((e) => e.event === '$exception')!
      expect(exception.properties.$exception_list[0]).toMatchObject({ value: 'fixture rejection', mechanism: { type: 'onunhandledrejection' } })
    })
  }

  it("leaves an error the program's own uncaughtException listener handles to the program", async () => {
    const { plain, hoglet, events } = await compare('handled-by-program')
    expect(plain.code).toBe(3)
    expect(hoglet.code).toBe(3)
    expect(hoglet.stderr).toBe(plain.stderr)
    expect(plain.stderr).toBe('program handled: survivable\n')
    const exception = events.find((e) => e.event === '$exception')!
    expect(exception.properties.$exception_list[0]).toMatchObject({ value: 'survivable', mechanism: { handled: false } })
  })

  it('adds nothing to a clean exit', async () => {
    const { plain, hoglet, events } = await compare('clean-exit')
    expect(plain.code).toBe(0)
    expect(hoglet.code).toBe(0)
    // The only addition: the warning that the event captured before was never sent (no shutdown()).
    expect(hoglet.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\[hoglet\] The process is exiting with 1 event\(s\) not yet sent and no shutdown\(\)/)])
    expect(events.some((e) => e.event === '$exception')).toBe(false)
  })
})

describe('exception autocapture when the server does not answer', () => {
  it('still crashes like Node once the bounded delivery wait is over', async () => {
    const blackHole = await createTestServer()
    blackHole.route('/batch/', { hang: true })
    try {
      const plain = await run([], 'uncaught-error', false)
      const hoglet = await run([], 'uncaught-error', true, blackHole.url)
      expect(hoglet.code).toBe(plain.code)
      expect(hoglet.stderr).toBe(plain.stderr)
      // The crash batch was sent; only the answer never came.
      expect(blackHole.requestsTo('/batch/')).toHaveLength(1)
    } finally {
      await blackHole.close()
    }
  })
})

// README (Capture v1): "the last-moment delivery of a crash uses /batch/". The crash fixture runs
// with POSTHOG_CAPTURE_MODE=v1 (the client is given no captureMode).
describe('a crash under Capture v1', () => {
  const sink = sinkForBlock()

  it('the client in the fixture does use v1: an exception the program handles goes to /i/v1/analytics/events', async () => {
    const result = await run([], 'handled-by-program', true, sink.server.url, { POSTHOG_CAPTURE_MODE: 'v1' })
    expect(result.code).toBe(3)
    const v1 = sink.server.requestsTo('/i/v1/analytics/events')
    expect(v1.length).toBeGreaterThan(0)
    expect(v1.flatMap((r) => r.json.batch.map((e: { event: string }) => e.event))).toContain('$exception')
    expect(sink.server.requestsTo('/batch/')).toHaveLength(0)
    sink.server.requests.length = 0
  })

  it('a crash delivers the $exception and the queued events through /batch/ before Node exits', async () => {
    const result = await run([], 'uncaught-error', true, sink.server.url, { POSTHOG_CAPTURE_MODE: 'v1' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('TypeError: fixture crash')
    expect(receivedEvents(sink.server).map((e) => e.event).sort()).toEqual(['$exception', 'before failure'])
    expect(sink.server.requestsTo('/i/v1/')).toHaveLength(0)
  })
})
