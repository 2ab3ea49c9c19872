/**
 * Which flags a `/flags` request may see, by where it runs: PostHog's flag service sets aside
 * flags meant for the other runtime. A request names its runtime (`evaluation_runtime`); without
 * it the service guesses from the User-Agent and browser-only headers. A request whose runtime
 * cannot be told sees only the flags meant for every runtime.
 */
import type { IncomingHttpHeaders } from 'node:http'

export type EvaluationRuntime = 'client' | 'server' | 'all'

/** A definition's or request's runtime text: `client` and `server` (any case); anything else means all. */
export function parseRuntime(value: unknown): EvaluationRuntime {
  if (typeof value !== 'string') return 'all'
  const lower = value.toLowerCase()
  return lower === 'client' || lower === 'server' ? lower : 'all'
}

const BROWSER_AGENTS = ['Mozilla/', 'Chrome/', 'Safari/', 'Firefox/', 'Edge/']
const SERVER_AGENT_PREFIXES = ['posthog-python/', 'posthog-ruby/', 'posthog-php/', 'posthog-java/', 'posthog-go/', 'posthog-node/', 'posthog-dotnet/', 'posthog-elixir/']
const SERVER_AGENT_PARTS = ['python-requests/', 'curl/']
const MOBILE_AGENT_PREFIXES = ['posthog-android/', 'posthog-ios/', 'posthog-react-native/', 'posthog-flutter/']

/** The request's runtime: the body's `evaluation_runtime` when given, else what its headers suggest, else undefined. */
export function requestRuntime(explicit: unknown, headers: IncomingHttpHeaders): EvaluationRuntime | undefined {
  if (explicit !== undefined && explicit !== null) return parseRuntime(explicit)
  const agent = headers['user-agent']
  if (typeof agent === 'string') {
    if (BROWSER_AGENTS.some((p) => agent.includes(p))) return 'client'
    if (SERVER_AGENT_PREFIXES.some((p) => agent.startsWith(p)) || SERVER_AGENT_PARTS.some((p) => agent.includes(p))) return 'server'
    if (MOBILE_AGENT_PREFIXES.some((p) => agent.startsWith(p))) return 'client'
  }
  if (headers.origin !== undefined || headers.referer !== undefined || headers['sec-fetch-mode'] !== undefined || headers['sec-fetch-site'] !== undefined) return 'client'
  return undefined
}

/** Whether a flag meant for `flagRuntime` answers a request from `runtime`. */
export function servesRuntime(flagRuntime: EvaluationRuntime, runtime: EvaluationRuntime | undefined): boolean {
  if (flagRuntime === 'all' || runtime === 'all') return true
  return flagRuntime === runtime
}
