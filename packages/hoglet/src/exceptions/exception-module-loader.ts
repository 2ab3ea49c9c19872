/** Imports the exception-capture code once per process (see `exception-module.ts`). */
import { lazyModule } from '../lazy-module.js'

export const exceptionCode = lazyModule(() => import('./exception-module.js').then((module) => module.exceptionModule))
