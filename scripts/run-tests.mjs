#!/usr/bin/env node
// Runs the vitest suite and ends with one plain summary line ("N passed, N failed, N skipped"),
// so any CI reads the outcome the same way; exits with vitest's own exit code.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'

mkdirSync('test-output', { recursive: true })
const report = 'test-output/vitest-report.json'
const result = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
)
let summary = 'tests: no report was written'
try {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`
} catch {}
console.log(`\n${summary}`)
process.exit(result.status ?? 1)
