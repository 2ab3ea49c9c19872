// One suite, every runtime: the scenarios of scenarios.mjs run unchanged in Node 20/22/24, Bun,
// Deno, workerd (with and without nodejs_compat) and Vercel's edge runtime, each against its own
// hoglet-server on 127.0.0.1:0. Needs the built packages (`npm run build`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from 'hoglet-server'
import { controlClient } from './control.mjs'
import { FLAGS, PERSONAL_KEY, SCENARIOS } from './scenarios.mjs'
import { RUNTIMES, type ScenarioResult, type ServerAccess } from './runtimes.js'

const ALL = Object.keys(SCENARIOS)
const PLATFORM_ONLY = new Set(['platform waitUntil'])
/** runtime → scenario → result, printed as one table at the end. */
const table = new Map<string, Map<string, ScenarioResult>>()

afterAll(() => {
  const runtimes = [...table.keys()]
  if (runtimes.length === 0) return
  const cell = (runtime: string, scenario: string) => {
    const result = table.get(runtime)!.get(scenario)
    return result === undefined ? '-' : result.ok ? 'pass' : 'FAIL'
  }
  const width = Math.max(...ALL.map((s) => s.length))
  const lines = [
    ['scenario'.padEnd(width), ...runtimes].join(' | '),
    ...ALL.map((scenario) => [scenario.padEnd(width), ...runtimes.map((r) => cell(r, scenario).padEnd(r.length))].join(' | ')),
  ]
  console.log(`runtime conformance (- = not applicable):\n${lines.join('\n')}`)
})

/** Where the scenarios reach the server, and the control token its `/_hoglet/*` routes require. */
function access(server: RunningServer): ServerAccess {
  return { serverUrl: server.url, controlToken: server.controlToken }
}

for (const runtime of RUNTIMES) {
  const notice = runtime.unavailable()
  const scenarios = ALL.filter((name) => runtime.platformWaitUntil || !PLATFORM_ONLY.has(name))

  describe.skipIf(notice !== undefined)(`runtime conformance: ${runtime.name}`, () => {
    let server: RunningServer
    const results = new Map<string, ScenarioResult>()

    beforeAll(async () => {
      server = await startServer({ database: ':memory:', personalApiKey: PERSONAL_KEY, logger: { info() {}, warn() {}, error() {} } as never })
      const control = access(server)
      await controlClient(control.serverUrl, control.controlToken).setFlags(FLAGS)
      table.set(runtime.name, results)
      for (const result of await runtime.run(scenarios, control)) results.set(result.name, result)
    }, 240_000)

    afterAll(async () => {
      await server?.close()
    })

    for (const name of scenarios) {
      it(name, () => {
        const result = results.get(name)
        expect(result, `${runtime.name} reported no result for "${name}"`).toBeDefined()
        expect(result!.error, `${runtime.name} / ${name}`).toBeUndefined()
        expect(result!.ok).toBe(true)
      })
    }
  })

  if (notice !== undefined) {
    console.warn(`[runtime conformance] skipping ${runtime.name}: ${notice}`)
    // CI installs every runtime (.ci/run): there a missing one is a failure, not a skip.
    if (process.env.HOGLET_REQUIRE_RUNTIMES) {
      it(`runtime conformance: ${runtime.name} is installed`, () => expect.fail(notice))
    }
  }
}
