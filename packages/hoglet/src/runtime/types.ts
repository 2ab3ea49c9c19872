import type { StackFrame } from '../exceptions/stack-parser.js'
import type { FetchLike } from '../fetch-types.js'
import type { ResolvedOptions } from '../options.js'
import type { Compactor } from '../pipeline/event-queue.js'
import type { CompactingLane, LaneCompaction } from '../pipeline/lane-compaction.js'
import type { PipelineSpool, SpoolingPipeline } from '../pipeline/pipeline-spool.js'
import type { WatchedClient } from '../process-watch.js'

/**
 * What the web-standard core needs from the JavaScript runtime it runs on.
 * Only files under `runtime/` may touch runtime-specific APIs (node:zlib, node:crypto,
 * node:async_hooks, process); every entry point hands the core one `Runtime`.
 */
export interface AsyncContextStorage<T> {
  getStore(): T | undefined
  run<R>(store: T, fn: () => R): R
  enterWith?(store: T): void
}

/** A small text file (the flag definitions backup). */
export interface TextFile {
  /** The file's text, or undefined when it does not exist. */
  read(): Promise<string | undefined>
  /** Replaces the file's text atomically. */
  write(text: string): Promise<void>
}

export interface Runtime {
  /** Short name reported in debug output, e.g. `node`, `edge`. */
  readonly name: string
  /**
   * The unknown-option warnings' code, where a few kilobytes do not matter (Node): warned during
   * construction. Without it (edge) the code is imported when an option name is unknown and
   * the warning follows a moment later.
   */
  optionNameWarnings?: (options: object, known: ReadonlySet<string>) => string[]
  /**
   * The `fetch` for event batches when the caller gave none: a cheaper transport where the
   * runtime has one (Node: node:http), falling back to the global `fetch` by itself.
   */
  post?: FetchLike
  /** gzip-compress a request body; absent where the runtime has no compressor. */
  gzip?: (data: Uint8Array) => Promise<Uint8Array>
  /**
   * Synchronous SHA-1 of a UTF-8 string, as 40 lowercase hex digits: names the spool's directory,
   * so it comes with `spooling` (flag bucketing uses the engine's own SHA-1 on every runtime).
   */
  sha1Hex?: (input: string) => string
  /**
   * Lets any number of listeners wait on a signal without a warning: every request in flight and
   * every retry wait listens to the shutdown signal, and Node warns past 10 on one EventTarget.
   */
  allowManyListeners?: (signal: AbortSignal) => void
  /** Per-async-scope storage (AsyncLocalStorage) where the runtime has it. */
  createContextStorage?: <T>() => AsyncContextStorage<T> | undefined
  /** A file on disk, where the runtime has a file system (Node, Bun, Deno). */
  textFile?: (path: string) => TextFile
  /** An environment variable, where the runtime has them (`POSTHOG_CAPTURE_MODE`). */
  readEnv?: (name: string) => string | undefined
  /**
   * Completes parsed `$exception` stack frames where the runtime can read source files
   * (module names, source lines around each frame, relative filenames); synchronous.
   */
  refineFrames?: (frames: StackFrame[]) => void
  /** The release id the environment names (`POSTHOG_RELEASE_ID` on Node), sent as `$release_id` on `$exception`. */
  releaseId?: () => string | undefined
  /**
   * Fast synchronous compression, used to compact a queue backlog (events queued beyond the
   * next batches) in memory; absent where the runtime has no synchronous compressor.
   */
  compactor?: Compactor
  /**
   * The backlog compaction that uses `compactor` (the Node runtime's: `pipeline/lane-compaction.ts`).
   * A runtime's own field, so that bundles for runtimes without a compactor (edge) do not carry
   * that code; without it, `compactor` is not used and queued events stay texts.
   */
  compaction?: (compactor: Compactor, lane: CompactingLane) => LaneCompaction
  /**
   * Installs a client's process hooks where there is a process (`flushOnExit`, the unsent-events
   * warning at exit, `flushOnSignals`; see `process-watch.ts`); returns the function removing them.
   */
  watchProcess?: (client: WatchedClient) => () => void
  /**
   * The durable spool (`persistence: 'file'`) for a pipeline, on the runtime's file system; absent
   * where there is none. Throws when the directory is unusable.
   */
  spooling?: (pipeline: SpoolingPipeline, config: ResolvedOptions) => PipelineSpool
}
