// Harness for runtimes that run a script file (Node, Bun, Deno): loads hoglet the way an
// application on that runtime does (the package's bare name, resolved through its exports),
// runs the scenarios named in the HOGLET_CONFORMANCE variable one after another and prints one
// result line each.
import { PostHog } from 'hoglet'
import { withHoglet } from 'hoglet/next'
import { runScenario } from '../scenarios.mjs'

const config = JSON.parse(process.env.HOGLET_CONFORMANCE)
for (const name of config.scenarios) {
  const result = await runScenario(name, { ...config.env, hoglet: { PostHog, withHoglet } })
  console.log(`@@conformance ${JSON.stringify(result)}`)
}
