// The request side of the fetch-handler harnesses (workerd, Vercel's edge runtime): the host
// POSTs `{ name, env }` and gets the scenario's result as JSON. `waitUntil` is the platform's.
import { PostHog } from 'hoglet'
import { withHoglet } from 'hoglet/next'
import { runScenario } from '../scenarios.mjs'

export async function handleScenarioRequest(request, waitUntil) {
  const { name, env } = await request.json()
  const result = await runScenario(name, { ...env, hoglet: { PostHog, withHoglet }, platformWaitUntil: waitUntil })
  return new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json' } })
}
