/**
 * Node built-ins, loaded on first use instead of at import: importing `hoglet` must stay cheap
 * for a serverless cold start, and most programs never compress a backlog, read a source file
 * for a stack frame or start a crash-delivery worker. `process.getBuiltinModule` (Node 20.16+,
 * Bun, Deno) hands a built-in over synchronously; older Node 20 releases go through
 * `createRequire`.
 */
import { createRequire } from 'node:module'

/** The built-ins hoglet uses. */
interface Builtins {
  'node:async_hooks': typeof import('node:async_hooks')
  'node:crypto': typeof import('node:crypto')
  'node:events': typeof import('node:events')
  'node:fs': typeof import('node:fs')
  'node:fs/promises': typeof import('node:fs/promises')
  'node:os': typeof import('node:os')
  'node:path': typeof import('node:path')
  'node:worker_threads': typeof import('node:worker_threads')
  'node:zlib': typeof import('node:zlib')
}

let load: ((id: string) => unknown) | undefined
const loaded = new Map<string, unknown>()

/** The built-in module `id`, synchronously. */
export function nodeBuiltin<ID extends keyof Builtins>(id: ID): Builtins[ID] {
  load ??=
    typeof process.getBuiltinModule === 'function'
      ? (name) => process.getBuiltinModule(name)
      : // Any absolute path will do as the base: built-ins resolve the same from everywhere.
        createRequire(process.execPath)
  let module = loaded.get(id)
  if (module === undefined) loaded.set(id, (module = load(id)))
  return module as Builtins[ID]
}

/** A function of a built-in that loads the built-in on its first call (for modules that call many of them by name). */
export function deferred<ID extends keyof Builtins, K extends keyof Builtins[ID]>(id: ID, name: K): Builtins[ID][K] {
  let fn: ((...args: unknown[]) => unknown) | undefined
  return ((...args: unknown[]) => (fn ??= nodeBuiltin(id)[name] as (...args: unknown[]) => unknown)(...args)) as Builtins[ID][K]
}
