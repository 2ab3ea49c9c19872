import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runTsc, strictCompilerOptions } from '../helpers/strict-tsc.js'

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const dist = join(repositoryRoot, 'packages/hoglet/dist')

/** Compiles files (strict) against the built `hoglet` and its subpaths; tsc's diagnostics, '' when clean. */
export function compileAgainstHoglet(files: string[], name: string): string {
  const outDir = join(repositoryRoot, 'test-output/typed-keys')
  mkdirSync(outDir, { recursive: true })
  const config = join(outDir, `tsconfig.${name}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        ...strictCompilerOptions(repositoryRoot),
        paths: { hoglet: [join(dist, 'index.d.ts')], 'hoglet/*': [join(dist, '*')] },
      },
      files,
    }),
  )
  return runTsc(repositoryRoot, config)
}
