import { defineConfig } from 'tsup'

// The server runs on Node only; `hoglet` (the engine and, for the demo, the SDK) and the
// native SQLite binding stay external, resolved from node_modules at run time.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    demo: 'src/demo.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
})
