/**
 * Type-level compatibility with posthog-node 5.x: every `.ts` file in `./types` uses posthog-node's
 * public API through the neutral module name `posthog-compat-target`. Each file is compiled by
 * `tsc` (strict) twice: with that name mapped to posthog-node's declarations (so the files stay
 * honest) and to hoglet's built declarations (`dist/index.d.ts`, what users get). Any error fails.
 * Files named `*.pending.ts` are skipped (usages whose hoglet side is not built yet).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runTsc, strictCompilerOptions } from '../helpers/strict-tsc.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../../../..')
const typesDir = join(here, 'types')
const files = readdirSync(typesDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.pending.ts') && !f.endsWith('.d.ts'))
  .sort()

const targets = {
  'posthog-node': {
    main: join(root, 'node_modules/posthog-node/dist/entrypoints/index.node.d.ts'),
    subpaths: join(root, 'node_modules/posthog-node/dist/entrypoints/*'),
  },
  hoglet: {
    main: join(root, 'packages/hoglet/dist/index.d.ts'),
    subpaths: join(root, 'packages/hoglet/dist/*'),
  },
} as const

/** Compiles one file against one target; returns tsc's diagnostics ('' when clean). */
function compile(target: keyof typeof targets, file: string): string {
  const outDir = join(root, 'test-output/compat-types')
  mkdirSync(outDir, { recursive: true })
  const config = join(outDir, `tsconfig.${target}.${file.replace(/\.ts$/, '')}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        ...strictCompilerOptions(root),
        paths: {
          'posthog-compat-target': [targets[target].main],
          'posthog-compat-target/*': [targets[target].subpaths],
        },
      },
      files: [join(typesDir, file)],
    }),
  )
  return runTsc(root, config)
}

describe('posthog-node programs compile against hoglet (tsc --strict)', () => {
  it('has usage files to compile', () => {
    expect(files.length).toBeGreaterThan(0)
    expect(existsSync(targets.hoglet.main), 'build the package first (npm run build)').toBe(true)
  })
  for (const file of files) {
    it(`${file} compiles against posthog-node`, () => {
      expect(compile('posthog-node', file)).toBe('')
    }, 60_000)
    it(`${file} compiles against hoglet`, () => {
      expect(compile('hoglet', file)).toBe('')
    }, 60_000)
  }
})
