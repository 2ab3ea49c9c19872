/**
 * Typed keys (`new PostHog<Flags, Events>()`), checked by tsc against the built package:
 * `cases/*.ts` must compile clean (their `@ts-expect-error` lines are misuses that must fail,
 * and an unused directive is itself an error), and a misuse written without the directive must
 * be reported, naming what is wrong.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { compileAgainstHoglet, repositoryRoot as root } from './compile.js'

const here = dirname(fileURLToPath(import.meta.url))

describe('typed keys (tsc --strict against the built package)', () => {
  it('the typed client: misuse fails, correct use compiles with the declared types', () => {
    expect(compileAgainstHoglet([join(here, 'cases/typed-client.ts')], 'typed-client')).toBe('')
  }, 120_000)

  it('the untyped client keeps its untyped signatures', () => {
    expect(compileAgainstHoglet([join(here, 'cases/untyped-client.ts')], 'untyped-client')).toBe('')
  }, 120_000)

  it('reports each misuse written without a directive, naming the bad key or name', () => {
    mkdirSync(join(root, 'test-output'), { recursive: true })
    const dir = mkdtempSync(join(root, 'test-output/typed-keys-misuse-'))
    const file = join(dir, 'misuse.ts')
    writeFileSync(
      file,
      [
        "import { PostHog } from 'hoglet'",
        "interface Flags { 'checkout-flow': { value: 'control' | 'one-page' } }",
        "interface Events { 'order completed': { total: number } }",
        "const posthog = new PostHog<Flags, Events>('phc_test')",
        "void posthog.getFeatureFlag('checkout-flwo', 'u1')",
        "posthog.capture({ distinctId: 'u1', event: 'order complete', properties: { total: 1 } })",
        "posthog.capture({ distinctId: 'u1', event: 'order completed', properties: { total: 'one' } })",
        "void posthog.getFeatureFlagPayload('checkout-flow', 'u1', 'two-page')",
        '',
      ].join('\n'),
    )
    const out = compileAgainstHoglet([file], 'misuse')
    const errors = out.split('\n').filter((line) => line.includes('error TS'))
    expect(errors.map((line) => line.match(/\((\d+),\d+\)/)?.[1])).toEqual(['5', '6', '7', '8'])
    expect(out).toContain('"checkout-flwo"')
    expect(out).toContain('"order complete"')
    expect(out).toContain('"two-page"')
  }, 120_000)
})
