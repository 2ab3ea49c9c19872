#!/usr/bin/env node
// Bundle size report: what each public entry and each feature costs an application, bundled the
// way a user's bundler does (esbuild, minified, the package's export conditions), gzipped.
// Exits non-zero when a row is over its limit. A row's goal, when it has one and it is not met
// yet, is printed as such without failing. Run after `npm run build` (`npm run size` does both).
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
 * name, code (an application module), conditions, limit (bytes gzip), goal (bytes gzip).
 * Limits sit about 10 % above today's figures: they catch a regression, not normal growth.
 */
const ROWS = [
  ['entry hoglet (Node)', `export * from 'hoglet'`, NODE, 58 * KB],
  ['entry hoglet/edge', `export * from 'hoglet/edge'`, EDGE, 54 * KB],
  ['entry hoglet/engine', `export * from 'hoglet/engine'`, EDGE, 16 * KB],
  ['entry hoglet/express', `export * from 'hoglet/express'`, NODE, 4 * KB],
  ['entry hoglet/fastify', `export * from 'hoglet/fastify'`, NODE, 4 * KB],
  ['entry hoglet/hono', `export * from 'hoglet/hono'`, EDGE, 4 * KB],
  ['entry hoglet/next', `export * from 'hoglet/next'`, EDGE, 4 * KB],
  ['entry hoglet/sentry', `export * from 'hoglet/sentry'`, NODE, 4 * KB],
  ['entry hoglet/nestjs', `export * from 'hoglet/nestjs'`, NODE, 6 * KB],
  ['entry hoglet/redis', `export * from 'hoglet/redis'`, NODE, 6 * KB],
  ['entry hoglet/openfeature', `export * from 'hoglet/openfeature'`, NODE, 6 * KB],
  ['edge: capture only', app(`c.capture({ distinctId: 'u', event: 'e' })`), EDGE, 51 * KB, 15 * KB],
  ['edge: + identify, alias, group', app(`c.identify({ distinctId: 'u' }); c.alias({ distinctId: 'u', alias: 'a' }); c.groupIdentify({ groupType: 'g', groupKey: 'k' })`), EDGE, 51 * KB],
  ['edge: + remote flags', app(`await c.getFeatureFlag('f', 'u')`), EDGE, 51 * KB],
  ['edge: + local evaluation', app(`await c.waitForLocalEvaluationReady(); await c.getFeatureFlag('f', 'u', { onlyEvaluateLocally: true })`, `personalApiKey: 'phx_x'`), EDGE, 51 * KB],
  ['edge: + captureException', app(`c.captureException(new Error('x'), 'u')`), EDGE, 51 * KB],
  ['edge: + withContext', app(`c.withContext({ distinctId: 'u' }, () => c.capture({ event: 'e' }))`), EDGE, 51 * KB],
  ['edge: + withHoglet (next)', `import { withHoglet } from 'hoglet/next'\n${app(`export const GET = withHoglet(c, () => new Response('ok'))`)}`, EDGE, 52 * KB],
]

function app(body, options = '') {
  return `import { PostHog } from 'hoglet'\nconst c = new PostHog('phc_x', { ${options} })\n${body}\nexport default c`
}

/**
 * Bundles `code` as an application entry with code splitting on, as bundlers that split do
 * (webpack in Next, esbuild with `splitting`): what loads at start is the entry chunk and
 * the chunks it imports statically; what hoglet loads on first use of a feature (a dynamic
 * `import()`) comes in later chunks. A bundler that does not split puts everything in one
 * file: that is the "all chunks" figure.
 */
async function measure(code, conditions) {
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
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint !== undefined)
  const atStart = new Set()
  const visit = (path) => {
    if (atStart.has(path)) return
    atStart.add(path)
    for (const imported of outputs[path].imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path)
  }
  visit(entry)
  const gzip = (path) => gzipSync(files.get(join(repo, path)), { level: 9 }).length
  const all = Object.keys(outputs).filter((path) => path.endsWith('.js'))
  return {
    minified: [...atStart].reduce((sum, path) => sum + files.get(join(repo, path)).length, 0),
    gzip: [...atStart].reduce((sum, path) => sum + gzip(path), 0),
    allGzip: all.reduce((sum, path) => sum + gzip(path), 0),
  }
}

/** The application module as esbuild's entry point, resolved from the repository root. */
function virtualEntry(code) {
  return {
    name: 'size-app',
    setup(build) {
      build.onResolve({ filter: /^size-app$/ }, () => ({ path: 'size-app', namespace: 'size-app' }))
      build.onLoad({ filter: /.*/, namespace: 'size-app' }, () => ({ contents: code, resolveDir: repo, loader: 'js' }))
    },
  }
}

/** Where the capture-only edge bytes come from, by source folder (bundled from the sources). */
async function attribution() {
  const result = await esbuild.build({
    stdin: { contents: `import { PostHog } from './packages/hoglet/src/edge.ts'\nnew PostHog('phc_x').capture({ distinctId: 'u', event: 'e' })`, resolveDir: repo, loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: PEERS,
    metafile: true,
    logLevel: 'error',
  })
  const inputs = Object.values(result.metafile.outputs)[0].inputs
  const parts = new Map()
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const rel = file.replace('packages/hoglet/src/', '')
    const folder = rel.includes('/') ? rel.split('/').slice(0, -1).join('/') : 'core (src/*.ts)'
    parts.set(folder, (parts.get(folder) ?? 0) + bytesInOutput)
  }
  return [...parts].sort((a, b) => b[1] - a[1])
}

const kb = (n) => `${(n / KB).toFixed(1)} KB`
let over = 0
const lines = [['bundle', 'minified at start', 'gzip at start', 'gzip all chunks', 'limit (at start)', 'goal'].join(' | '), '---|---:|---:|---:|---:|---']
for (const [name, code, conditions, limit, goal] of ROWS) {
  const { minified, gzip, allGzip } = await measure(code, conditions)
  const overLimit = gzip > limit
  if (overLimit) over++
  const goalText = goal === undefined ? '' : gzip <= goal ? `${kb(goal)} met` : `${kb(goal)} NOT MET`
  lines.push([name, kb(minified), kb(gzip), kb(allGzip), `${kb(limit)}${overLimit ? ' OVER' : ''}`, goalText].join(' | '))
}
console.log(lines.join('\n'))
console.log('\ncapture-only edge bundle by source folder (minified bytes before gzip):')
for (const [folder, bytes] of await attribution()) console.log(`  ${folder.padEnd(22)} ${kb(bytes)}`)
if (over > 0) {
  console.error(`\nsize: ${over} bundle(s) over their limit`)
  process.exit(1)
}
