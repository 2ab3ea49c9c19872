#!/usr/bin/env node
// Runs the vitest suite and ends with one plain summary line ("N passed, N failed, N skipped"),
// so any CI reads the outcome the same way; exits with vitest's own exit code. With
// HOGLET_REQUIRE_RUNTIMES (set by .ci/run) a skipped test fails the run: a test skips only when
// a system package or runtime is missing, and CI installs them all.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

mkdirSync('test-output', { recursive: true })
const report = 'test-output/vitest-report.json'
const result = spawnSync(
  process.execPath,
  [fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url)), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
)
let summary = 'tests: no report was written'
let skipped = 0
try {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`
} catch {}
const skipsFail = skipped > 0 && process.env.HOGLET_REQUIRE_RUNTIMES !== undefined && process.env.HOGLET_REQUIRE_RUNTIMES !== ''
if (skipsFail) console.log('\nHOGLET_REQUIRE_RUNTIMES is set and tests were skipped (a system package or runtime is missing): the run fails')
console.log(`\n${summary}`)
process.exit(skipsFail ? 1 : (result.status ?? 1))
