import type { AsyncContextStorage, Runtime } from './types.js'

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

type StorageClass<T> = new () => AsyncContextStorage<T>

/**
 * AsyncLocalStorage where the runtime offers one without an import: a global (Next.js on
 * Vercel's edge) or `process.getBuiltinModule` (Cloudflare with nodejs_compat, Deno, Bun).
 * The edge entry imports no `node:` module, so it loads on workerd without nodejs_compat too.
 */
function createContextStorage<T>(): AsyncContextStorage<T> | undefined {
  const g = globalThis as {
    AsyncLocalStorage?: StorageClass<T>
    process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: StorageClass<T> } | undefined }
  }
  let Storage = g.AsyncLocalStorage
  if (Storage === undefined) {
    try {
      Storage = g.process?.getBuiltinModule?.('node:async_hooks')?.AsyncLocalStorage
    } catch {
      Storage = undefined
    }
  }
  return Storage ? new Storage() : undefined
}

/** Web-standard runtimes (Cloudflare Workers, Vercel Edge, Deno Deploy, browsers): no Node APIs, no file system (so no spool and no `sha1Hex`). */
export const webRuntime: Runtime = {
  name: 'edge',
  gzip: typeof CompressionStream === 'function' ? gzip : undefined,
  createContextStorage,
}
