// What every scenario file shares: argument parsing, loading the library under test with the
// same constructor for both, timing helpers and the one-line JSON result.
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { importPackage } from './snapshot.mjs'

export const LIBS = ['hoglet', 'posthog-node']
export const PROJECT_KEY = 'phc_bench_project_key'
export const SECRET_KEY = 'phs_bench_secret_key'

/** Parses `--lib <name>` plus any scenario-specific numeric options (`--events 50000`). */
export function scenarioArgs(defaults = {}) {
  const options = { lib: { type: 'string' } }
  for (const key of Object.keys(defaults)) options[key] = { type: 'string' }
  const { values } = parseArgs({ options, strict: true })
  if (!LIBS.includes(values.lib)) {
    throw new TypeError(`--lib must be one of ${LIBS.join(', ')} (got ${values.lib})`)
  }
  const result = { lib: values.lib }
  for (const [key, fallback] of Object.entries(defaults)) {
    result[key] = values[key] === undefined ? fallback : Number(values[key])
  }
  return result
}

/** Imports the built library and returns its PostHog class. */
export async function loadPostHog(lib) {
  const mod = await importPackage(lib)
  const PostHog = mod.PostHog ?? mod.default?.PostHog
  if (typeof PostHog !== 'function') throw new Error(`${lib} does not export a PostHog class`)
  return PostHog
}

/** Both libraries share posthog-node's constructor shape: `new PostHog(apiKey, options)`. */
export async function createClient(lib, options) {
  const PostHog = await loadPostHog(lib)
  return new PostHog(PROJECT_KEY, options)
}

export const now = () => performance.now()

/** Lets every pending microtask and one macrotask turn run. */
export const tick = () => new Promise((resolve) => setImmediate(resolve))

/**
 * Calls `fn(i)` until both `minCalls` calls and `minMs` milliseconds have passed: on a busy
 * machine the JIT's background compiler needs wall time, not just call counts, to finish.
 */
export async function warmUp(fn, { minCalls, minMs = 1500 }) {
  const start = now()
  let i = 0
  while (i < minCalls || now() - start < minMs) await fn(i++)
  return i
}

/** Wall-clock and CPU time (all threads of this process) of `calls` calls, in µs per call. */
export async function timeCalls(calls, fn) {
  const cpuBefore = process.cpuUsage()
  const start = now()
  for (let i = 0; i < calls; i++) await fn(i)
  const wall = now() - start
  const cpu = process.cpuUsage(cpuBefore)
  return { wallUs: (wall * 1000) / calls, cpuUs: (cpu.user + cpu.system) / calls }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Prints the scenario's single result line; the runner reads the last JSON line of stdout. */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** Fails the scenario loudly (the runner shows stderr) rather than printing a wrong figure. */
export function fail(message) {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}
