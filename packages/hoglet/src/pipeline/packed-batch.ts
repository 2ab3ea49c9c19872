import type * as Packing from './packing.js'
import type { PackedBatch } from './wire-block.js'

export type { PackedBatch, WireBlock } from './wire-block.js'

// `packing.ts` loads on first use (see `wire-block.ts`).
let loaded: typeof Packing | undefined
let loading: Promise<unknown> | undefined

/** Loads the packing module (once). */
export function loadPacking(): Promise<unknown> {
  return (loading ??= import('./packing.js').then(
    (module) => (loaded = module),
    () => undefined,
  ))
}

/** The packing module once loaded; the first call starts loading it and returns undefined. */
export function packing(): typeof Packing | undefined {
  if (loaded === undefined) void loadPacking()
  return loaded
}

/** The texts of a batch, whichever form it has. */
export function batchTexts(batch: readonly string[] | PackedBatch): string[] {
  return Array.isArray(batch) ? (batch as string[]) : (batch as PackedBatch).texts()
}
