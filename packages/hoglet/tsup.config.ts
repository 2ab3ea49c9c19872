import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rollup } from 'rollup'
import { defineConfig, type Options } from 'tsup'

const DIST = fileURLToPath(new URL('./dist/', import.meta.url))

const shared: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  treeshake: true,
  // Deno and Cloudflare's nodejs_compat resolve Node built-ins only with the `node:` prefix.
  removeNodeProtocol: false,
  external: [/^node:/],
}

// Two builds write into dist/, so it is emptied once here rather than by each (`clean`).
rmSync(DIST, { recursive: true, force: true })

/**
 * Rewrites the build of one client entry (`index`: Node, `edge`) so that what the entry loads
 * is one file and the lazy chunks import from it. esbuild puts every module that the entry
 * shares with a lazily imported module into a chunk of its own: each file costs Node a
 * resolution, a read and a module record at import, and an application's splitting bundler
 * keeps them as separate chunks, each gzipped on its own (about 0.6 KB more for the edge
 * entry's capture-only bundle). Rollup, given esbuild's output, keeps in the entry what the
 * entry loads anyway and has the lazy chunks import it from there. Source maps are chained
 * back to the TypeScript sources. Each entry's chunks are named with its own prefix, so its
 * post-pass touches only its own files.
 */
async function mergeEntryChunks(entry: string, prefix: string): Promise<void> {
  const inputs = new Set<string>()
  const bundle = await rollup({
    input: join(DIST, `${entry}.js`),
    external: (id) => id.startsWith('node:'),
    // The entry exports exactly its public names: what the lazy chunks import from the code it
    // loads goes to one chunk behind a re-exporting facade (one file more, but no internal
    // wiring in the module namespace an application sees).
    preserveEntrySignatures: 'strict',
    treeshake: false, // esbuild's output is already shaken; keep it as it is
    plugins: [
      {
        name: 'built-files',
        load(id) {
          inputs.add(id)
          const map = `${id}.map`
          return { code: readFileSync(id, 'utf8'), map: existsSync(map) ? readFileSync(map, 'utf8') : null }
        },
      },
    ],
    onwarn(warning) {
      throw new Error(`rollup: ${warning.message}`)
    },
  })
  const outputs = new Set<string>()
  for (const format of ['esm', 'cjs'] as const) {
    const ext = format === 'esm' ? 'js' : 'cjs'
    const { output } = await bundle.generate({
      format,
      dir: DIST,
      entryFileNames: `[name].${ext}`,
      chunkFileNames: (chunk) => `${chunk.name.startsWith(prefix) ? '' : prefix}[name].${ext}`,
      sourcemap: true,
      esModule: format === 'cjs',
      generatedCode: 'es2015',
    })
    // Chunks, and their source maps as assets.
    for (const file of output) {
      writeFileSync(join(DIST, file.fileName), file.type === 'chunk' ? file.code : file.source)
      outputs.add(file.fileName)
    }
  }
  await bundle.close()
  // esbuild's chunks now merged away (both formats).
  for (const name of readdirSync(DIST)) {
    if (name.startsWith(prefix) && /\.c?js(\.map)?$/.test(name) && !outputs.has(name)) rmSync(join(DIST, name))
  }
  if (inputs.size === 0) throw new Error(`the ${entry} entry was not found`)
}

// One entry per public subpath; keep in sync with package.json "exports".
export default defineConfig([
  // The Node entry on its own (one file at import, see mergeEntryChunks); its other chunks
  // are only those of what loads on first use.
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    // V8 pre-parses all of it at import, at a cost that follows its tokens: whitespace and
    // comments go (about 8 % of the compile time). Syntax minification would save a little
    // more but drops the names of function expressions (`fn.name`), and identifiers keep
    // their names for stack traces; the source maps lead back to the TypeScript.
    minifyWhitespace: true,
    esbuildOptions(options) {
      options.chunkNames = 'node-[name]-[hash]'
    },
    onSuccess: () => mergeEntryChunks('index', 'node-'),
  },
  // The edge entry on its own too: an application's bundle then has one chunk of hoglet's code at start.
  {
    ...shared,
    entry: { edge: 'src/edge.ts' },
    esbuildOptions(options) {
      options.chunkNames = 'edge-[name]-[hash]'
    },
    onSuccess: () => mergeEntryChunks('edge', 'edge-'),
  },
  {
    ...shared,
    entry: {
      engine: 'src/engine/engine.ts',
      express: 'src/integrations/express/index.ts',
      fastify: 'src/integrations/fastify/index.ts',
      hono: 'src/integrations/hono/index.ts',
      nestjs: 'src/integrations/nestjs/index.ts',
      next: 'src/integrations/next/index.ts',
      sentry: 'src/integrations/sentry/index.ts',
      redis: 'src/redis/index.ts',
      openfeature: 'src/integrations/openfeature/index.ts',
      // The `hoglet` command line (bin/hoglet.js); Node-only and not an export.
      cli: 'src/cli/main.ts',
    },
  },
])
