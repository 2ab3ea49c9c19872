// Cold start, as a serverless or edge function pays it on every fresh instance: the time to
// import the library in a new process, to construct a client, and to make the first capture.
// The process starts with nothing loaded; each figure is measured once (a second import would
// come from the module cache).
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { PROJECT_KEY, report, scenarioArgs } from '../lib/scenario.mjs'
import { WARMUP_PACKAGE, importPackage } from '../lib/snapshot.mjs'

const args = scenarioArgs()

// Before the clock, for both libraries alike, what an application has paid before it imports a
// library, and what is no library's code:
// - the runner's snapshot is reached through a one-line loader module (lib/snapshot.mjs);
// - the first import of a package by name in a process costs Node about 1 ms more than the next
//   (measured with one-line packages: Node initialises its package resolution, exports maps and
//   package scopes, on first use), whichever package it is. A one-line package that is neither
//   library's is imported first; its time is printed (`loaderWarmupMs`), and adding it to
//   `importMs` gives the figure of a process whose first package import is the library.
// The figure is then the library's import alone: resolving its name, reading, compiling and
// evaluating every module it loads.
let loaderWarmupMs
if (process.env.HOGLET_BENCH_MODULES) {
  const load = (await import(pathToFileURL(join(process.env.HOGLET_BENCH_MODULES, 'load.mjs')).href)).default
  const warmupStarted = performance.now()
  await load(WARMUP_PACKAGE)
  loaderWarmupMs = performance.now() - warmupStarted
}

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

report({ scenario: 'cold-start', lib: args.lib, loaderWarmupMs, importMs, importCpuMs, constructMs, firstCaptureMs, totalMs: importMs + constructMs + firstCaptureMs })
// Nothing was meant to be delivered (no server): end without waiting for either library's retries.
process.exit(0)
