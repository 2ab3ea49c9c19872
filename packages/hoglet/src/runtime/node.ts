import { nodeBuiltin } from './node-builtins.js'
import { createDeflater } from './node-deflater.js'
import { createMemoryCodec } from './node-memory-codec.js'
import { refineNodeFrames } from './node-frames.js'
import { nodeTextFile } from './node-text-file.js'
import { openFileSpool } from './file-spool.js'
import { PipelineSpool } from '../pipeline/pipeline-spool.js'
import { compactLane } from '../pipeline/lane-compaction.js'
import { lazyModule } from '../lazy-module.js'
import type { FetchLike } from '../fetch-types.js'
import { onProcessExit, onTerminationSignals } from './node-exit-hooks.js'
import type { AsyncContextStorage, Runtime } from './types.js'
import { watchProcess } from '../process-watch.js'
import { optionNameWarnings } from '../option-names.js'

function gzip(data: Uint8Array): Promise<Uint8Array> {
  // node:zlib runs on the libuv threadpool: the event loop stays free while a batch compresses.
  return new Promise((resolve, reject) => nodeBuiltin('node:zlib').gzip(data, (error, result) => (error ? reject(error) : resolve(result))))
}

function sha1Hex(input: string): string {
  return nodeBuiltin('node:crypto').createHash('sha1').update(input, 'utf8').digest('hex')
}

function createContextStorage<T>(): AsyncContextStorage<T> {
  return new (nodeBuiltin('node:async_hooks').AsyncLocalStorage)<T>()
}

/**
 * Runs `hook` when the event loop empties (`beforeExit`). The work the hook starts keeps the
 * process alive until it settles; then `beforeExit` fires again, and the hook is expected to
 * find nothing left to do, so the process exits.
 */
function onBeforeExit(hook: () => Promise<void>): () => void {
  let running = false
  const listener = (): void => {
    if (running) return
    running = true
    hook().then(
      () => (running = false),
      () => (running = false),
    )
  }
  process.on('beforeExit', listener)
  return () => void process.off('beforeExit', listener)
}

// Level 1: a backlog compacts about 6× at a fraction of the cost of the default level.
const memoryDeflater = createDeflater(1)
// zlib's default level (6) and memory, as the request body's gzip, so a packed batch is the same size.
const wireDeflater = createDeflater(-1)

/** Texts up to this many UTF-16 code units are encoded into one reused buffer rather than a new one each. */
const SCRATCH_TEXT = 256 * 1024
let scratch: Buffer | undefined

/** `text` as UTF-8; a view of the shared scratch buffer, valid until the next call. */
function utf8(text: string): Buffer {
  if (text.length > SCRATCH_TEXT) return Buffer.from(text, 'utf8')
  const room = text.length * 3
  if (scratch === undefined || scratch.length < room) scratch = Buffer.allocUnsafeSlow(Math.max(room, 64 * 1024))
  return scratch.subarray(0, scratch.write(text, 0, 'utf8'))
}

// Blocks end with a flush, not a final block: inflated up to the end of the data.
function inflate(data: Uint8Array): string {
  const zlib = nodeBuiltin('node:zlib')
  return zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8')
}

// Brotli where node:zlib has it, cheaper still (see node-memory-codec.ts), else level-1 deflate.
const memoryCodec = createMemoryCodec({ compress: (input) => memoryDeflater.deflate(input), expand: inflate })

const compactor = {
  deflate: (text: string): Uint8Array => memoryDeflater.deflate(utf8(text)),
  compress: (text: string): Uint8Array => memoryCodec.compress(utf8(text)),
  expand: memoryCodec.expand,
  inflate,
  // zlib.crc32 is Node 20.15+ (and not in every runtime's node:zlib): without it, nothing is packed.
  pack: (text: string): { data: Uint8Array; crc: number; bytes: number } | undefined => {
    const zlib = nodeBuiltin('node:zlib')
    if (typeof zlib.crc32 !== 'function') return undefined
    const input = utf8(text)
    const crc = zlib.crc32(input)
    return { data: wireDeflater.deflate(input), crc, bytes: input.length }
  },
}

function releaseId(): string | undefined {
  return process.env.POSTHOG_RELEASE_ID?.trim() || undefined
}

const readEnv = (name: string): string | undefined => process.env[name]

function allowManyListeners(signal: AbortSignal): void {
  try {
    nodeBuiltin('node:events').setMaxListeners(0, signal) // 0: no limit, no warning
  } catch {
    // A runtime's node:events without EventTarget support: only a warning is at stake.
  }
}

// node:http's client (node-http.ts) is imported with the first request: the first batch is
// sent asynchronously anyway, and most cold starts send nothing before they are measured.
const nodeHttp = lazyModule(() => import('./node-http.js'))
const nodePost: FetchLike = async (url, init) => (nodeHttp.loaded() ?? (await nodeHttp.load())).nodePost(url, init)

/** Node.js, and Bun and Deno through their Node compatibility. */
export const nodeRuntime: Runtime = {
  name: 'node',
  optionNameWarnings,
  post: nodePost,
  gzip,
  sha1Hex,
  createContextStorage,
  compactor,
  compaction: compactLane,
  refineFrames: refineNodeFrames,
  releaseId,
  readEnv,
  allowManyListeners,
  textFile: nodeTextFile,
  spooling: (pipeline, config) => new PipelineSpool(pipeline, config, { open: openFileSpool, sha1Hex }),
  watchProcess: (client) => watchProcess(client, { onBeforeExit, onExit: onProcessExit, onTerminationSignals: onTerminationSignals as (hook: (signal: string) => Promise<unknown>) => { remove(): void } }),
}
