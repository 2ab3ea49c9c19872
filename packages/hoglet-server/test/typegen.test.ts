/**
 * `hoglet typegen` end to end: the built bin reads the demo's flags from a running hoglet-server
 * (and from a saved definitions file), and the generated flag map compiles with tsc against the
 * built SDK: right uses pass, misuses (`@ts-expect-error`) fail, and the types are the demo's.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer } from './helpers.js'

// The SDK's strict tsc helper, loaded at run time (it lies outside this package's rootDir).
interface TscHelper {
  runTsc(root: string, project: string, cwd?: string): string
  strictCompilerOptions(root: string): Record<string, unknown>
}
const { runTsc, strictCompilerOptions } = (await import(fileURLToPath(new URL('../../hoglet/test/helpers/strict-tsc.ts', import.meta.url)))) as TscHelper

const BIN = fileURLToPath(new URL('../../hoglet/bin/hoglet.js', import.meta.url))
const DEMO_FLAGS = fileURLToPath(new URL('../examples/flags.yaml', import.meta.url))
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
const dist = join(root, 'packages/hoglet/dist')

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  mkdirSync(join(root, 'test-output'), { recursive: true })
  const dir = mkdtempSync(join(root, 'test-output/typegen-'))
  dirs.push(dir)
  return dir
}

interface Run { code: number | null; stdout: string; stderr: string }

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Compiles `usage` next to the generated `flags.ts` against the built package; tsc's output. */
function compileUsage(dir: string, usage: string): string {
  writeFileSync(join(dir, 'usage.ts'), usage)
  const config = join(dir, 'tsconfig.json')
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: { ...strictCompilerOptions(root), paths: { hoglet: [join(dist, 'index.d.ts')], 'hoglet/*': [join(dist, '*')] } },
      files: [join(dir, 'usage.ts')],
    }),
  )
  return runTsc(root, config)
}

const DEMO_USAGE = `
import { PostHog } from 'hoglet'
import type { FeatureFlags } from './flags.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function expectType<T>(_value: T): <U>(check: Equal<T, U> extends true ? true : never) => void {
  return () => {}
}

const posthog = new PostHog<FeatureFlags>('phc_demo', { host: 'http://127.0.0.1:1' })

export async function usage(): Promise<void> {
  expectType(await posthog.getFeatureFlag('checkout-experiment', 'u1'))<'control' | 'test' | false | undefined>(true)
  expectType(await posthog.getFeatureFlag('new-navigation', 'u1'))<boolean | undefined>(true)
  expectType(await posthog.getFeatureFlagPayload('checkout-experiment', 'u1'))<
    { buttonText: string } | { buttonText: string; showTrustBadges: boolean } | null | undefined
  >(true)
  expectType(await posthog.getFeatureFlagPayload('priority-support', 'u1'))<{ queue: string; responseTimeHours: number } | null | undefined>(true)
  expectType(await posthog.getFeatureFlagPayload('site-banner', 'u1'))<{ message: string; level: string } | null | undefined>(true)
  await posthog.isFeatureEnabled('team-dashboards', 'u1', { groups: { company: 'acme' } })
  await posthog.isFeatureEnabled('retired-feature', 'u1')
  await posthog.isFeatureEnabled('faster-search', 'u1')
  // @ts-expect-error not one of the demo's flags
  await posthog.isFeatureEnabled('faster-serach', 'u1')
  // @ts-expect-error not a variant of checkout-experiment
  await posthog.getFeatureFlagPayload('checkout-experiment', 'u1', 'treatment')
  const payload = await posthog.getFeatureFlagPayload('checkout-experiment', 'u1')
  // @ts-expect-error payloads have buttonText, not label
  payload?.label
}
`

describe('hoglet typegen against hoglet-server (the demo flags)', () => {
  it('writes the demo flags, which compile and type the client', async () => {
    const server = await startTestServer({ flagsFile: DEMO_FLAGS })
    const dir = tempDir()
    const out = join(dir, 'flags.ts')
    const result = await run(['typegen', '--host', server.url, '--api-key', 'phc_demo', '--personal-api-key', 'phx_any', '--out', out])
    expect(result.stderr).toContain(`wrote ${server.flags.definitions.flags.length} flags to ${out}`)
    expect(result.code).toBe(0)
    const text = readFileSync(out, 'utf8')
    for (const flag of server.flags.definitions.flags) expect(text).toContain(`'${flag.key}': { value:`)
    expect(text).toContain("'checkout-experiment': { value: 'control' | 'test'; payload: { buttonText: string } | { buttonText: string; showTrustBadges: boolean } }")
    expect(text).toContain("'new-navigation': { value: true }")
    expect(compileUsage(dir, DEMO_USAGE)).toBe('')
  }, 120_000)

  it('a definitions file saved from the server gives the same flag map; stdout without --out', async () => {
    const server = await startTestServer({ flagsFile: DEMO_FLAGS })
    const dir = tempDir()
    const fromHost = await run(['typegen', '--host', server.url, '--api-key', 'phc_demo', '--personal-api-key', 'phx_any'])
    expect(fromHost.code).toBe(0)
    const definitions = await fetch(`${server.url}/api/feature_flag/local_evaluation?token=phc_demo`, { headers: { Authorization: 'Bearer phx_any' } }).then((r) => r.text())
    writeFileSync(join(dir, 'definitions.json'), definitions)
    const fromFile = await run(['typegen', '--file', join(dir, 'definitions.json')])
    expect(fromFile.code).toBe(0)
    const body = (text: string) => text.split('\n').filter((line) => !line.startsWith('// Generated'))
    expect(body(fromFile.stdout)).toEqual(body(fromHost.stdout))
    expect(fromHost.stdout).toContain(`from the flag definitions of ${server.url}`)
  }, 60_000)

  it('sends the personal API key, reads it from the environment, and never prints it', async () => {
    const server = await startTestServer({ flagsFile: DEMO_FLAGS, personalApiKey: 'phx_secret_personal' })
    const refused = await run(['typegen', '--host', server.url, '--api-key', 'phc_demo', '--personal-api-key', 'phx_wrong'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/refused the definitions request \(401\).*--personal-api-key/)
    expect(refused.stderr).not.toContain('phx_wrong')
    const ok = await run(['typegen', '--host', server.url], { POSTHOG_API_KEY: 'phc_demo', POSTHOG_PERSONAL_API_KEY: 'phx_secret_personal' })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain("'checkout-experiment'")
    expect(`${ok.stdout}${ok.stderr}`).not.toContain('phx_secret_personal')
    const withUserInfo = await run(['typegen', '--host', server.url.replace('http://', 'http://someone:url_password@'), '--api-key', 'phc_demo', '--personal-api-key', 'phx_secret_personal'])
    expect(withUserInfo.code).toBe(0)
    expect(withUserInfo.stdout).toContain(`from the flag definitions of ${server.url}.`)
    expect(`${withUserInfo.stdout}${withUserInfo.stderr}`).not.toContain('url_password')
  }, 60_000)

  it('fails with exit 1 naming the problem; bad usage is exit 2', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'flags.yaml'), 'flags:\n  - key: a\n')
    const yaml = await run(['typegen', '--file', join(dir, 'flags.yaml')])
    expect(yaml.code).toBe(1)
    expect(yaml.stderr).toContain('is not JSON')
    writeFileSync(join(dir, 'nolist.json'), '{"flags": {}}')
    writeFileSync(join(dir, 'empty.json'), '{"flags": []}')
    const noList = await run(['typegen', '--file', join(dir, 'nolist.json')])
    expect(noList.code).toBe(1)
    expect(noList.stderr).toContain('no `flags` list')
    const unreachable = await run(['typegen', '--host', 'http://127.0.0.1:1', '--api-key', 'phc_x', '--personal-api-key', 'phx_x'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('cannot reach http://127.0.0.1:1')
    const both = await run(['typegen', '--file', 'x.json', '--host', 'http://127.0.0.1:1'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('either `--file` or `--host`')
    const badName = await run(['typegen', '--file', 'x.json', '--name', 'my-flags'])
    expect(badName.code).toBe(2)
    expect(badName.stderr).toContain('`--name` must be a TypeScript identifier')
    const unwritable = await run(['typegen', '--file', join(dir, 'empty.json'), '--out', join(dir, 'no-such-dir', 'flags.ts')])
    expect(unwritable.code).toBe(1)
    expect(unwritable.stderr).toContain('cannot write')
    const noPersonal = await run(['typegen', '--host', 'http://127.0.0.1:1', '--api-key', 'phc_x'])
    expect(noPersonal.code).toBe(2)
    expect(noPersonal.stderr).toContain('give a personal API key')
    const help = await run(['typegen', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: hoglet typegen')
  }, 60_000)
})
