import { sha1Hex } from '../engine/sha1.js'
import type { AsyncContextStorage, Runtime } from './types.js'

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** Vercel's edge runtime and Cloudflare (nodejs_compat) expose AsyncLocalStorage globally. */
function createContextStorage<T>(): AsyncContextStorage<T> | undefined {
  const Storage = (globalThis as { AsyncLocalStorage?: new () => AsyncContextStorage<T> }).AsyncLocalStorage
  return Storage ? new Storage() : undefined
}

/** Web-standard runtimes (Cloudflare Workers, Vercel Edge, Deno Deploy, browsers): no Node APIs. */
export const webRuntime: Runtime = {
  name: 'edge',
  gzip: typeof CompressionStream === 'function' ? gzip : undefined,
  sha1Hex,
  createContextStorage,
}
