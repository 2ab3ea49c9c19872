#!/usr/bin/env node
// Bundle size report: what each public entry and each feature costs an application, bundled the
// way a user's bundler does (esbuild, minified, the package's export conditions), gzipped.
// Exits non-zero when a row is over its limit. A row's goal, when it has one and it is not met
// yet, is printed as such without failing. Run after `npm run build` (`npm run size` does both);
// `--files` lists every source file in the capture-only edge bundle's code at start, not only the largest.
import { gzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const KB = 1024
const EDGE = ['workerd', 'worker', 'browser', 'import']
const NODE = ['node', 'import']
const PEERS = ['express', 'fastify', 'hono', 'hono/*', '@sentry/node', '@nestjs/*', 'rxjs', 'rxjs/*', 'ioredis', 'redis', '@openfeature/*', 'node:*']

/**
 * name, code (an application module), conditions, limit at start and limit as one file
 * (bytes gzip), goal (bytes gzip, at start). Limits sit about 10 % above today's figures: they
 * catch a regression, not normal growth.
 */
const ROWS = [
  ['entry hoglet (Node)', `export * from 'hoglet'`, NODE, 33.2 * KB, 67 * KB],
  ['entry hoglet/edge', `export * from 'hoglet/edge'`, EDGE, 21 * KB, 56 * KB],
  ['entry hoglet/engine', `export * from 'hoglet/engine'`, EDGE, 14.7 * KB, 14.7 * KB],
  ['entry hoglet/express', `export * from 'hoglet/express'`, NODE, 3.1 * KB, 3.1 * KB],
  ['entry hoglet/fastify', `export * from 'hoglet/fastify'`, NODE, 1.9 * KB, 1.9 * KB],
  ['entry hoglet/hono', `export * from 'hoglet/hono'`, EDGE, 2.9 * KB, 2.9 * KB],
  ['entry hoglet/next', `export * from 'hoglet/next'`, EDGE, 1.8 * KB, 1.8 * KB],
  ['entry hoglet/sentry', `export * from 'hoglet/sentry'`, NODE, 1.7 * KB, 1.7 * KB],
  ['entry hoglet/nestjs', `export * from 'hoglet/nestjs'`, NODE, 1.9 * KB, 1.9 * KB],
  ['entry hoglet/redis', `export * from 'hoglet/redis'`, NODE, 2.6 * KB, 2.6 * KB],
  ['entry hoglet/openfeature', `export * from 'hoglet/openfeature'`, NODE, 2.1 * KB, 2.1 * KB],
  ['edge: capture only', app(`c.capture({ distinctId: 'u', event: 'e' })`), EDGE, 17.4 * KB, 52 * KB, 15 * KB],
  ['edge: + identify, alias, group', app(`c.identify({ distinctId: 'u' }); c.alias({ distinctId: 'u', alias: 'a' }); c.groupIdentify({ groupType: 'g', groupKey: 'k' })`), EDGE, 17.4 * KB, 52 * KB],
  ['edge: + remote flags', app(`await c.getFeatureFlag('f', 'u')`), EDGE, 17.4 * KB, 52 * KB],
  ['edge: + local evaluation', app(`await c.waitForLocalEvaluationReady(); await c.getFeatureFlag('f', 'u', { onlyEvaluateLocally: true })`, `personalApiKey: 'phx_x'`), EDGE, 17.4 * KB, 52 * KB],
  ['edge: + captureException', app(`c.captureException(new Error('x'), 'u')`), EDGE, 17.4 * KB, 52 * KB],
  ['edge: + withContext', app(`c.withContext({ distinctId: 'u' }, () => c.capture({ event: 'e' }))`), EDGE, 17.4 * KB, 52 * KB],
  ['edge: + withHoglet (next)', `import { withHoglet } from 'hoglet/next'\n${app(`export const GET = withHoglet(c, () => new Response('ok'))`)}`, EDGE, 19 * KB, 54 * KB],
]

function app(body, options = '') {
  return `import { PostHog } from 'hoglet'\nconst c = new PostHog('phc_x', { ${options} })\n${body}\nexport default c`
}

/**
 * Bundles `code` as an application entry twice. With code splitting, as bundlers that split do
 * (webpack in Next, esbuild with `splitting`): what loads at start is the entry chunk and the
 * chunks it imports statically; what hoglet loads on first use of a feature (a dynamic
 * `import()`) comes in later chunks. Without splitting (wrangler's default): one file holding
 * everything, the figure a Worker's upload and parse pay.
 */
async function measure(code, conditions) {
  const atStart = await measureAtStart(code, conditions)
  const single = await esbuild.build({
    stdin: { contents: code, resolveDir: repo, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions,
    external: PEERS,
    target: 'es2022',
    logLevel: 'error',
  })
  return { ...atStart, oneFileGzip: gzipSync(single.outputFiles[0].contents, { level: 9 }).length }
}

async function measureAtStart(code, conditions) {
  const result = await esbuild.build({
    entryPoints: ['size-app'],
    plugins: [virtualEntry(code)],
    bundle: true,
    minify: true,
    write: false,
    splitting: true,
    outdir: join(repo, '.size-out'),
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions,
    external: PEERS,
    target: 'es2022',
    logLevel: 'error',
  })
  const files = new Map(result.outputFiles.map((file) => [file.path, file.contents]))
  const outputs = result.metafile.outputs
  const atStart = atStartOutputs(outputs)
  const gzip = (path) => gzipSync(files.get(join(repo, path)), { level: 9 }).length
  return {
    minified: [...atStart].reduce((sum, path) => sum + files.get(join(repo, path)).length, 0),
    gzip: [...atStart].reduce((sum, path) => sum + gzip(path), 0),
  }
}

/**
 * The application's chunk and every chunk it imports statically (what loads before the
 * application runs). Chunks of dynamic imports are entry points too: the application's is the
 * one of the virtual module.
 */
function atStartOutputs(outputs) {
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint === 'size-app:size-app')
  const atStart = new Set()
  const visit = (path) => {
    if (atStart.has(path)) return
    atStart.add(path)
    for (const imported of outputs[path].imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path)
  }
  visit(entry)
  return atStart
}

/** The application module as esbuild's entry point, resolved from the repository root. */
function virtualEntry(code, loader = 'js') {
  return {
    name: 'size-app',
    setup(build) {
      build.onResolve({ filter: /^size-app$/ }, () => ({ path: 'size-app', namespace: 'size-app' }))
      build.onLoad({ filter: /.*/, namespace: 'size-app' }, () => ({ contents: code, resolveDir: repo, loader }))
    },
  }
}

/**
 * Where the capture-only edge bytes that load at start come from, by source folder: bundled from
 * the sources (as side-effect free as the package declares itself), split like `measure`.
 */
async function attribution() {
  const result = await esbuild.build({
    entryPoints: ['size-app'],
    plugins: [
      virtualEntry(`import { PostHog } from './packages/hoglet/src/edge.ts'\nnew PostHog('phc_x').capture({ distinctId: 'u', event: 'e' })`, 'ts'),
      {
        name: 'side-effect-free-sources',
        setup(build) {
          build.onResolve({ filter: /^\./ }, async (args) => {
            if (args.pluginData === 'resolved') return undefined
            const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' })
            return { ...resolved, sideEffects: false }
          })
        },
      },
    ],
    bundle: true,
    minify: true,
    write: false,
    splitting: true,
    outdir: join(repo, '.size-out'),
    format: 'esm',
    platform: 'neutral',
    external: PEERS,
    metafile: true,
    logLevel: 'error',
  })
  const outputs = result.metafile.outputs
  const folders = new Map()
  const files = new Map()
  for (const path of atStartOutputs(outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(outputs[path].inputs)) {
      if (!file.startsWith('packages/hoglet/src/')) continue
      const rel = file.replace('packages/hoglet/src/', '')
      const folder = rel.includes('/') ? rel.split('/').slice(0, -1).join('/') : 'core (src/*.ts)'
      folders.set(folder, (folders.get(folder) ?? 0) + bytesInOutput)
      files.set(rel, (files.get(rel) ?? 0) + bytesInOutput)
    }
  }
  const sorted = (map) => [...map].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1])
  return { folders: sorted(folders), files: sorted(files) }
}

const kb = (n) => `${(n / KB).toFixed(1)} KB`
let over = 0
const lines = [['bundle', 'minified at start', 'gzip at start', 'limit', 'gzip, one file', 'limit', 'goal (at start)'].join(' | '), '---|---:|---:|---:|---:|---:|---']
for (const [name, code, conditions, limit, oneFileLimit, goal] of ROWS) {
  const { minified, gzip, oneFileGzip } = await measure(code, conditions)
  const overLimit = gzip > limit
  const overAll = oneFileGzip > oneFileLimit
  if (overLimit || overAll) over++
  const goalText = goal === undefined ? '' : gzip <= goal ? `${kb(goal)} met` : `${kb(goal)} NOT MET`
  lines.push([name, kb(minified), kb(gzip), `${kb(limit)}${overLimit ? ' OVER' : ''}`, kb(oneFileGzip), `${kb(oneFileLimit)}${overAll ? ' OVER' : ''}`, goalText].join(' | '))
}
console.log(lines.join('\n'))
const { folders, files } = await attribution()
console.log('\ncapture-only edge bundle, what loads at start, by source folder (minified bytes before gzip):')
for (const [folder, bytes] of folders) console.log(`  ${folder.padEnd(22)} ${kb(bytes)}`)
const allFiles = process.argv.includes('--files')
console.log(allFiles ? '\nits source files:' : '\nits largest source files (--files for all):')
for (const [file, bytes] of allFiles ? files : files.slice(0, 15)) console.log(`  ${file.padEnd(32)} ${kb(bytes)}`)
if (over > 0) {
  console.error(`\nsize: ${over} bundle(s) over their limit`)
  process.exit(1)
}
