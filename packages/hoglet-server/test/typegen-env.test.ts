import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startTestServer } from './helpers.js'

// The README's `hoglet typegen` claims beyond typegen.test.ts: the host and both keys can come
// from POSTHOG_HOST, POSTHOG_API_KEY and POSTHOG_PERSONAL_API_KEY; no key is ever printed; and a
// hoglet-server started without a personal key takes any (`--personal-api-key any`).
const BIN = fileURLToPath(new URL('../../hoglet/bin/hoglet.js', import.meta.url))
const DEMO_FLAGS = fileURLToPath(new URL('../examples/flags.yaml', import.meta.url))

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = { ...process.env }
  for (const name of ['POSTHOG_HOST', 'POSTHOG_API_KEY', 'POSTHOG_PERSONAL_API_KEY']) delete clean[name]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('hoglet typegen from the environment', () => {
  it('takes host, project key and personal key from POSTHOG_HOST / POSTHOG_API_KEY / POSTHOG_PERSONAL_API_KEY and prints neither key', async () => {
    const server = await startTestServer({ flagsFile: DEMO_FLAGS, personalApiKey: 'phx_env_personal_secret' })
    const result = await run(['typegen'], { POSTHOG_HOST: server.url, POSTHOG_API_KEY: 'phc_env_project_key', POSTHOG_PERSONAL_API_KEY: 'phx_env_personal_secret' })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`from the flag definitions of ${server.url}`)
    expect(result.stdout).toContain("'checkout-experiment'")
    const printed = result.stdout + result.stderr
    expect(printed).not.toContain('phx_env_personal_secret')
    expect(printed).not.toContain('phc_env_project_key')
    // The request carried the keys from the environment (the server's log masks them).
    const request = server.requests('/flags/definitions').at(-1)
    expect(request?.headers.authorization).toBe('Bearer phx_…[redacted]')
    expect(request?.query.token).toBe('phc_…[redacted]')
  }, 60_000)

  it('a wrong personal key from the environment is refused without printing it', async () => {
    const server = await startTestServer({ flagsFile: DEMO_FLAGS, personalApiKey: 'phx_right' })
    const refused = await run(['typegen'], { POSTHOG_HOST: server.url, POSTHOG_API_KEY: 'phc_env_project_key', POSTHOG_PERSONAL_API_KEY: 'phx_env_wrong_secret' })
    expect(refused.code).toBe(1)
    expect(refused.stderr + refused.stdout).not.toContain('phx_env_wrong_secret')
    expect(refused.stderr + refused.stdout).not.toContain('phc_env_project_key')
  }, 60_000)

  it('a hoglet-server started without a personal key accepts `--personal-api-key any`, as the README shows', async () => {
    const server = await startTestServer({ flagsFile: DEMO_FLAGS })
    const result = await run(['typegen', '--host', server.url, '--api-key', 'phc_demo', '--personal-api-key', 'any'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("'checkout-experiment'")
  }, 60_000)
})
