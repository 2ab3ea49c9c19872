import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createTestServer } from '../../helpers/test-server.js'
import { comparable, type WireEvent } from './harness.js'

// `enableExceptionAutocapture` in a real crashing process, posthog-node against hoglet (the
// built package): the same crash must give the same `$exception` and the same exit code.

const fixture = fileURLToPath(new URL('../../fixtures/autocapture-compare.mjs', import.meta.url))
const built = existsSync(fileURLToPath(new URL('../../../dist/index.js', import.meta.url)))

async function crash(library: string, scenario: string): Promise<{ code: number | null; events: WireEvent[] }> {
  const sink = await createTestServer()
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [fixture, library, sink.url, scenario], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: 'ignore' })
      child.on('error', reject)
      child.on('close', resolve)
    })
    return { code, events: sink.requestsTo('/batch/').flatMap((r) => (r.json?.batch ?? []) as WireEvent[]) }
  } finally {
    await sink.close()
  }
}

describe.skipIf(!built)('exception autocapture: posthog-node and hoglet', () => {
  if (!built) console.log('Skipping the autocapture comparison: run `npm run build` first (npm test does).')

  for (const scenario of ['uncaught', 'rejection']) {
    it(`an ${scenario === 'uncaught' ? 'uncaught exception' : 'unhandled rejection'} gives the same $exception and exit code`, async () => {
      const [theirs, ours] = [await crash('posthog-node', scenario), await crash('hoglet', scenario)]
      expect(ours.code).toBe(theirs.code)
      expect(ours.events).toHaveLength(1)
      expect(ours.events.map(comparable)).toEqual(theirs.events.map(comparable))
      expect(comparable(ours.events[0]!)).toMatchObject({
        distinct_id: 'crash-user',
        properties: { job: 'nightly', $exception_level: 'error' },
      })
      expect(ours.events[0]!.properties.$exception_list[0].mechanism.handled).toBe(false)
    })
  }
})
