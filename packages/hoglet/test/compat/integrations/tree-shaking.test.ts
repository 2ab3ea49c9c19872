import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

// The integration exports on the main entry must cost nothing to programs that do not use them
// (`sideEffects: false` is true in practice), and the edge entry must stay free of Node modules.
// Bundles the built package (`npm test` builds first) the way an application bundler would.

const packageDir = fileURLToPath(new URL('../../../', import.meta.url))
const built = existsSync(`${packageDir}dist/index.js`)

async function bundle(source: string, platform: 'node' | 'browser'): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    external: ['node:*'],
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

/** Names only the integration code defines. */
const INTEGRATION_MARKERS = ['posthogErrorHandler', 'posthogRequestContext', 'PostHog Person URL', 'cookieStoreFromHeader', 'posthogHonoMiddleware']

describe.skipIf(!built)('integration exports and bundles', () => {
  if (!built) console.log('Skipping the bundle checks: run `npm run build` first (npm test does).')

  it('a program that only captures carries none of the integration code', async () => {
    const code = await bundle("import { PostHog } from 'hoglet'\nnew PostHog('phc_key').capture({ distinctId: 'u', event: 'e' })", 'node')
    expect(code).toContain('/batch/')
    for (const marker of INTEGRATION_MARKERS) expect(code, marker).not.toContain(marker)
  })

  it('a program that uses an integration from the main entry gets it (the check above can fail)', async () => {
    const code = await bundle("import { PostHog, setupExpressErrorHandler } from 'hoglet'\nsetupExpressErrorHandler(new PostHog('phc_key'), { use() {} })", 'node')
    expect(code).toContain('posthogErrorHandler')
  })

  it('the edge entry, with every integration export, imports no Node module', async () => {
    const source = [
      "import * as hoglet from 'hoglet'",
      'globalThis.keep = hoglet',
    ].join('\n')
    const code = await bundle(source, 'browser')
    expect(code).toContain('posthogErrorHandler')
    expect(code).not.toMatch(/from\s*["']node:/)
    expect(code).not.toMatch(/require\(["']node:/)
  })
})
