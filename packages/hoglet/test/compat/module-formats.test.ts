/**
 * The built package as users load it: ESM named imports and CJS `require` of the main entry and
 * every subpath (run by Node from a folder outside the package), and the subpaths' types under
 * TypeScript's `node16`, `nodenext`, `bundler` and legacy `node` (node10) module resolution.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const work = join(root, 'test-output/module-formats')

/** Each entry point with names it must export at run time. */
const ENTRIES: Record<string, string[]> = {
  hoglet: ['PostHog', 'FeatureFlagError', 'FeatureFlagEvaluations', 'uuidv7', 'VERSION', 'InMemoryFlagDefinitionCache'],
  'hoglet/edge': ['PostHog', 'FeatureFlagError', 'uuidv7'],
  'hoglet/engine': ['compileFlags', 'evaluateFlag', 'evaluateAllFlags'],
  'hoglet/express': ['hogletMiddleware', 'hogletErrorHandler', 'setupExpressErrorHandler', 'setupExpressRequestContext'],
  'hoglet/fastify': ['hogletFastify'],
  'hoglet/hono': ['hogletHono'],
  'hoglet/next': ['withHoglet'],
  'hoglet/sentry': ['hogletSentryIntegration'],
}

function run(args: string[], cwd = work): { status: number | null; out: string } {
  const result = spawnSync(args[0], args.slice(1), { cwd, encoding: 'utf8' })
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() }
}

beforeAll(() => {
  if (!existsSync(join(root, 'packages/hoglet/dist/index.js'))) throw new Error('Build the package first (npm run build)')
  mkdirSync(work, { recursive: true })
})

describe('run time', () => {
  it('ESM named imports of every entry point', () => {
    const lines = Object.entries(ENTRIES).map(([entry, names], i) => {
      const imports = names.map((n) => `${n} as ${n}${i}`).join(', ')
      const check = names.map((n) => `['${n}', ${n}${i}]`).join(', ')
      return `import { ${imports} } from '${entry}'\nfor (const [n, v] of [${check}]) if (v === undefined) throw new Error('${entry}: ' + n + ' missing')`
    })
    writeFileSync(join(work, 'esm.mjs'), `${lines.join('\n')}\nconsole.log('ok')\n`)
    expect(run([process.execPath, 'esm.mjs'])).toEqual({ status: 0, out: 'ok' })
  })

  it('CJS require of every entry point', () => {
    const lines = Object.entries(ENTRIES).map(
      ([entry, names]) => `{ const m = require('${entry}'); for (const n of ${JSON.stringify(names)}) if (m[n] === undefined) throw new Error('${entry}: ' + n + ' missing') }`,
    )
    writeFileSync(join(work, 'cjs.cjs'), `${lines.join('\n')}\nconst { PostHog } = require('hoglet')\nnew PostHog('phc_x', { disabled: true })\nconsole.log('ok')\n`)
    expect(run([process.execPath, 'cjs.cjs'])).toEqual({ status: 0, out: 'ok' })
  })
})

describe('types under each module resolution', () => {
  const usage = (cjs: boolean) => `
${cjs ? "import hoglet = require('hoglet')\nconst { PostHog } = hoglet" : "import { PostHog } from 'hoglet'"}
import type { PostHogOptions, IPostHog, ShutdownResult } from 'hoglet'
import type { RequestContextOptions } from 'hoglet/express'
import type { CompiledFlags } from 'hoglet/engine'
import type { HogletSentryOptions } from 'hoglet/sentry'
import type { FetchHandler } from 'hoglet/next'
import type { HonoContextLike } from 'hoglet/hono'
import type { FastifyInstanceLike } from 'hoglet/fastify'
import type { PostHog as EdgePostHog } from 'hoglet/edge'
const options: PostHogOptions = { flushAt: 0 }
const client: IPostHog = new PostHog('phc_x', options)
export async function stop(): Promise<void> {
  return client.shutdown()
}
export type Used = [RequestContextOptions<any>, CompiledFlags, HogletSentryOptions, FetchHandler<any>, HonoContextLike, FastifyInstanceLike, EdgePostHog, ShutdownResult]
`
  const cases: Array<{ name: string; module: string; moduleResolution: string; file: string; type?: string }> = [
    { name: 'node16 (ESM)', module: 'node16', moduleResolution: 'node16', file: 'esm.mts' },
    { name: 'node16 (CJS)', module: 'node16', moduleResolution: 'node16', file: 'cjs.cts' },
    { name: 'nodenext (ESM)', module: 'nodenext', moduleResolution: 'nodenext', file: 'esm.mts' },
    { name: 'nodenext (CJS)', module: 'nodenext', moduleResolution: 'nodenext', file: 'cjs.cts' },
    { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', file: 'bundler.ts' },
    { name: 'node (legacy node10)', module: 'commonjs', moduleResolution: 'node10', file: 'legacy.ts' },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const dir = join(work, c.name.replace(/\W+/g, '-'))
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, c.file), usage(c.file.endsWith('.cts') || c.moduleResolution === 'node10'))
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            module: c.module,
            moduleResolution: c.moduleResolution,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [join(root, 'node_modules/@types')],
            ignoreDeprecations: '5.0',
          },
          files: [c.file],
        }),
      )
      expect(run([process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir)).toEqual({ status: 0, out: '' })
    }, 60_000)
  }
})
