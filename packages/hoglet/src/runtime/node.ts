import { nodeBuiltin } from './node-builtins.js'
import { refineNodeFrames } from './node-frames.js'
import { nodeTextFile } from './node-text-file.js'
import { openFileSpool } from './file-spool.js'
import { nodePost } from './node-http.js'
import { onProcessExit, onTerminationSignals } from './node-exit-hooks.js'
import type { AsyncContextStorage, Runtime } from './types.js'

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
const compactor = {
  // Copy out: zlib hands back a view of its 16 KiB output chunk, which would be kept alive whole.
  deflate: (text: string): Uint8Array => {
    const zlib = nodeBuiltin('node:zlib')
    return new Uint8Array(zlib.deflateRawSync(text, { level: zlib.constants.Z_BEST_SPEED }))
  },
  inflate: (data: Uint8Array): string => nodeBuiltin('node:zlib').inflateRawSync(data).toString('utf8'),
  // zlib's default level and memory, as the request body's gzip, so a packed batch is the same size.
  // zlib.crc32 is Node 20.15+ (and not in every runtime's node:zlib): without it, nothing is packed.
  pack: (text: string): { data: Uint8Array; crc: number; bytes: number } | undefined => {
    const zlib = nodeBuiltin('node:zlib')
    if (typeof zlib.crc32 !== 'function') return undefined
    const input = Buffer.from(text, 'utf8')
    const data = new Uint8Array(zlib.deflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH }))
    return { data, crc: zlib.crc32(input), bytes: input.length }
  },
}

function releaseId(): string | undefined {
  return process.env.POSTHOG_RELEASE_ID?.trim() || undefined
}

const readEnv = (name: string): string | undefined => process.env[name]

/** Node.js, and Bun and Deno through their Node compatibility. */
export const nodeRuntime: Runtime = {
  name: 'node',
  post: nodePost,
  gzip,
  sha1Hex,
  createContextStorage,
  onBeforeExit,
  compactor,
  refineFrames: refineNodeFrames,
  releaseId,
  readEnv,
  textFile: nodeTextFile,
  openSpool: openFileSpool,
  onExit: onProcessExit,
  onTerminationSignals: onTerminationSignals as Runtime['onTerminationSignals'],
}
