import { rmSync } from 'node:fs'
import { defineConfig, type Options } from 'tsup'

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
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true })

// One entry per public subpath; keep in sync with package.json "exports".
export default defineConfig([
  // The Node entry on its own: what `import 'hoglet'` loads is then a few files rather than a
  // chunk per combination of entries sharing it (each file costs Node a resolution and a read
  // at import). Its chunks are only those of what loads on first use.
  { ...shared, entry: { index: 'src/index.ts' } },
  {
    ...shared,
    entry: {
      edge: 'src/edge.ts',
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
