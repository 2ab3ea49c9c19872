import { nodeBuiltin } from './node-builtins.js'

/** How Node treats unhandled rejections (`--unhandled-rejections`); `throw` is Node's default. */
export type UnhandledRejectionsMode = 'throw' | 'strict' | 'warn' | 'none' | 'warn-with-error-code'

export type CrashOrigin = 'uncaughtException' | 'unhandledRejection'

export interface ProcessErrorHandlers {
  /**
   * Node is about to print this error and exit (no `uncaughtException` listener will handle it).
   * The handler must finish synchronously: the process ends as soon as it returns.
   */
  onFatal(error: unknown, origin: CrashOrigin): void
  /** The process survives this error (a listener of the program handles it, or a lenient rejections mode). */
  onNonFatal(error: unknown, origin: CrashOrigin): void
}

const MODES: readonly UnhandledRejectionsMode[] = ['throw', 'strict', 'warn', 'none', 'warn-with-error-code']

/** Reads `--unhandled-rejections` from the process's flags, then from NODE_OPTIONS (the flag wins). */
export function unhandledRejectionsMode(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): UnhandledRejectionsMode {
  const fromArgs = findMode(execArgv)
  return fromArgs ?? findMode(nodeOptions.split(/\s+/)) ?? 'throw'
}

function findMode(args: readonly string[]): UnhandledRejectionsMode | undefined {
  let found: UnhandledRejectionsMode | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    let value: string | undefined
    if (arg.startsWith('--unhandled-rejections=')) value = arg.slice('--unhandled-rejections='.length)
    else if (arg === '--unhandled-rejections') value = args[i + 1]
    if (value && (MODES as readonly string[]).includes(value)) found = value as UnhandledRejectionsMode
  }
  return found
}

/**
 * Watches for crashes without changing how Node handles them.
 *
 * - Uncaught exceptions, and unhandled rejections in the `throw` (default) and `strict` modes,
 *   are seen through `uncaughtExceptionMonitor`, which Node calls before its own handling and
 *   which cannot stop the process from crashing. When no `uncaughtException` listener exists,
 *   Node exits right after, so `onFatal` runs; otherwise the program handles the error and
 *   `onNonFatal` runs.
 * - In the `warn` and `none` modes a rejection never crashes and listening to
 *   `unhandledRejection` changes nothing Node prints, so a listener reports it.
 * - In `warn-with-error-code` mode any `unhandledRejection` listener would suppress Node's
 *   warning and exit code, so unhandled rejections are not watched there.
 *
 * Returns the function that removes every listener it added.
 */
export function installProcessErrorHooks(handlers: ProcessErrorHandlers, mode: UnhandledRejectionsMode = unhandledRejectionsMode()): () => void {
  function hogletCrashMonitor(error: unknown, origin: string): void {
    const kind: CrashOrigin = origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException'
    try {
      if (process.listenerCount('uncaughtException') === 0) handlers.onFatal(error, kind)
      else handlers.onNonFatal(error, kind)
    } catch {
      // Reporting must never turn one crash into a different one.
    }
  }
  function hogletRejectionListener(reason: unknown): void {
    try {
      handlers.onNonFatal(reason, 'unhandledRejection')
    } catch {
      // As above: never add a failure of our own.
    }
  }

  process.on('uncaughtExceptionMonitor', hogletCrashMonitor)
  const watchRejections = mode === 'warn' || mode === 'none'
  if (watchRejections) process.on('unhandledRejection', hogletRejectionListener)
  return function removeProcessErrorHooks() {
    process.removeListener('uncaughtExceptionMonitor', hogletCrashMonitor)
    if (watchRejections) process.removeListener('unhandledRejection', hogletRejectionListener)
  }
}

export interface SyncRequest {
  url: string
  headers: Record<string, string>
  body: string | Uint8Array
}

export interface SyncSendResult {
  /** HTTP status per request, 0 when the request failed or did not finish in time. */
  statuses: number[]
  timedOut: boolean
}

// Runs in a worker thread: sends the requests one after another, then wakes the main thread.
// node:http rather than fetch: a worker starts it several times faster, and at a crash every
// millisecond is added to the time the process takes to die.
const SENDER_SOURCE = `
const { workerData } = require('node:worker_threads')
const state = new Int32Array(workerData.state)
function send(r) {
  return new Promise((resolve) => {
    const url = new URL(r.url)
    const transport = require(url.protocol === 'https:' ? 'node:https' : 'node:http')
    const req = transport.request(url, { method: 'POST', headers: r.headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode || 0))
      res.on('error', () => resolve(0))
    })
    req.on('error', () => resolve(0))
    req.end(r.body)
  })
}
;(async () => {
  for (let i = 0; i < workerData.requests.length; i++) Atomics.store(state, i + 1, await send(workerData.requests[i]))
})().finally(() => {
  Atomics.store(state, 0, 1)
  Atomics.notify(state, 0)
})
`

/**
 * Sends HTTP requests while the calling thread waits, at most `timeoutMs`. Used only at a
 * crash, when the process will exit as soon as the current function returns: a worker thread
 * does the I/O and the main thread blocks on `Atomics.wait`.
 */
export function sendSyncBlocking(requests: readonly SyncRequest[], timeoutMs: number): SyncSendResult {
  if (requests.length === 0) return { statuses: [], timedOut: false }
  const state = new Int32Array(new SharedArrayBuffer(4 * (requests.length + 1)))
  // No inherited --require/--import: the program's preloads (APM agents, TS loaders) would slow the crash down.
  const worker = new (nodeBuiltin('node:worker_threads').Worker)(SENDER_SOURCE, { eval: true, execArgv: [], workerData: { state: state.buffer, requests } })
  worker.unref()
  const outcome = Atomics.wait(state, 0, 0, timeoutMs)
  const statuses = requests.map((_, i) => Atomics.load(state, i + 1))
  if (outcome === 'timed-out') void worker.terminate()
  return { statuses, timedOut: outcome === 'timed-out' }
}

/** Node's crash hooks in the shape exception autocapture expects. */
export const nodeCrashHooks = {
  install: (handlers: ProcessErrorHandlers): (() => void) => installProcessErrorHooks(handlers),
  sendBlocking: sendSyncBlocking,
}
