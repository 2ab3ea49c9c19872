// Cold start, as a serverless or edge function pays it on every fresh instance: the time to
// import the library in a new process, to construct a client, and to make the first capture.
// The process starts with nothing loaded; each figure is measured once (a second import would
// come from the module cache).
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { PROJECT_KEY, report, scenarioArgs } from '../lib/scenario.mjs'
import { importPackage } from '../lib/snapshot.mjs'

const args = scenarioArgs()

// The runner's snapshot is reached through a one-line loader module (lib/snapshot.mjs); it is
// loaded before the clock starts, so the figure is the library's import alone, as it is for
// posthog-node, which is imported directly.
if (process.env.HOGLET_BENCH_MODULES) await import(pathToFileURL(join(process.env.HOGLET_BENCH_MODULES, 'load.mjs')).href)

const importCpuStarted = process.cpuUsage()
const importStarted = performance.now()
const mod = await importPackage(args.lib)
const importMs = performance.now() - importStarted
// CPU time (every thread of the process): on a shared machine it moves far less with the
// other processes' load than the wall-clock figure does.
const importCpu = process.cpuUsage(importCpuStarted)
const importCpuMs = (importCpu.user + importCpu.system) / 1000
const PostHog = mod.PostHog ?? mod.default?.PostHog

// A host nobody listens on: construction and the first capture must not wait for the network.
const constructStarted = performance.now()
const client = new PostHog(PROJECT_KEY, { host: 'http://127.0.0.1:9', flushInterval: 0, flushAt: 1000 })
const constructMs = performance.now() - constructStarted

const captureStarted = performance.now()
client.capture({ distinctId: 'cold-user', event: 'cold start', properties: { n: 1 } })
const firstCaptureMs = performance.now() - captureStarted

report({ scenario: 'cold-start', lib: args.lib, importMs, importCpuMs, constructMs, firstCaptureMs, totalMs: importMs + constructMs + firstCaptureMs })
// Nothing was meant to be delivered (no server): end without waiting for either library's retries.
process.exit(0)
