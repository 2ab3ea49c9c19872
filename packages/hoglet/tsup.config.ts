import { defineConfig } from 'tsup'

// One entry per public subpath; keep in sync with package.json "exports".
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    edge: 'src/edge.ts',
    engine: 'src/flags/engine.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  treeshake: true,
})
