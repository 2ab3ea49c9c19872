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

async function measure(code, conditions) {
  const result = await esbuild.build({
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
  const bytes = result.outputFiles[0].contents
  return { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
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
const lines = [['bundle', 'minified', 'gzip', 'limit', 'goal'].join(' | '), '---|---:|---:|---:|---']
for (const [name, code, conditions, limit, goal] of ROWS) {
  const { minified, gzip } = await measure(code, conditions)
  const overLimit = gzip > limit
  if (overLimit) over++
  const goalText = goal === undefined ? '' : gzip <= goal ? `${kb(goal)} met` : `${kb(goal)} NOT MET`
  lines.push([name, kb(minified), kb(gzip), `${kb(limit)}${overLimit ? ' OVER' : ''}`, goalText].join(' | '))
}
console.log(lines.join('\n'))
console.log('\ncapture-only edge bundle by source folder (minified bytes before gzip):')
for (const [folder, bytes] of await attribution()) console.log(`  ${folder.padEnd(22)} ${kb(bytes)}`)
if (over > 0) {
  console.error(`\nsize: ${over} bundle(s) over their limit`)
  process.exit(1)
}
