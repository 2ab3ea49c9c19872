import { defineConfig } from 'tsup'

// One entry per public subpath; keep in sync with package.json "exports".
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    edge: 'src/edge.ts',
    engine: 'src/engine/engine.ts',
    express: 'src/integrations/express/index.ts',
    fastify: 'src/integrations/fastify/index.ts',
    hono: 'src/integrations/hono/index.ts',
    next: 'src/integrations/next/index.ts',
    sentry: 'src/integrations/sentry/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  treeshake: true,
  // Deno and Cloudflare's nodejs_compat resolve Node built-ins only with the `node:` prefix.
  removeNodeProtocol: false,
  external: [/^node:/],
})
