/**
 * `scripts/run-tests.mjs` (what `npm test` runs): with HOGLET_REQUIRE_RUNTIMES, as `.ci/run`
 * sets it, a skipped test fails the run; without it, a skip is only counted. Run on a one-test
 * suite of its own in a temporary folder (the report is written there).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../../../scripts/run-tests.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'hoglet-run-tests-'))
// `--globals`: the probe needs no import, so it resolves nothing from the temporary folder.
writeFileSync(join(dir, 'probe.test.mjs'), "it('runs', () => {})\nit.skip('is skipped', () => {})\n")
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(env: Record<string, string>) {
  const { HOGLET_REQUIRE_RUNTIMES: _ignored, ...inherited } = process.env
  const result = spawnSync(process.execPath, [script, '--globals'], { cwd: dir, env: { ...inherited, ...env }, encoding: 'utf8' })
  return { status: result.status, lastLine: result.stdout.trim().split('\n').pop() }
}

describe('run-tests.mjs', () => {
  it('fails a run with a skipped test when HOGLET_REQUIRE_RUNTIMES is set, and passes it otherwise', () => {
    const required = run({ HOGLET_REQUIRE_RUNTIMES: '1' })
    expect(required.lastLine).toBe('tests: 1 passed, 0 failed, 1 skipped')
    expect(required.status).toBe(1)
    const plain = run({})
    expect(plain.lastLine).toBe('tests: 1 passed, 0 failed, 1 skipped')
    expect(plain.status).toBe(0)
  }, 60_000)
})
