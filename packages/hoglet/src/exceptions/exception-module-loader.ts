/** Imports the exception-capture code once per process (see `exception-module.ts`). */
import type { ExceptionModule } from './exception-module.js'

let loading: Promise<ExceptionModule> | undefined
let loaded: ExceptionModule | undefined

/** The module once some client has imported it, else undefined. */
export function loadedExceptionModule(): ExceptionModule | undefined {
  return loaded
}

export function loadExceptionModule(): Promise<ExceptionModule> {
  return (loading ??= import('./exception-module.js').then((module) => (loaded = module.exceptionModule)))
}
