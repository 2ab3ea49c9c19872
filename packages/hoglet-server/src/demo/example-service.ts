import { PostHog } from 'hoglet'

/** What the example service saw, for the demo's printout. */
export interface ServiceReport {
  flagChecks: Array<{ how: 'local' | 'remote'; distinctId: string; flag: string; value: unknown; payload?: unknown }>
  remoteConfig: unknown
  /** The SDK's own counters after shutdown, both clients together. */
  delivery: { captured: number; delivered: number; dropped: number }
}

interface User {
  distinctId: string
  anonymousId: string
  email: string
  plan: 'free' | 'pro' | 'enterprise'
  company: string
}

const USERS: User[] = [
  { distinctId: 'user-alice', anonymousId: 'anon-7f3a', email: 'alice@hoglet.dev', plan: 'enterprise', company: 'acme' },
  { distinctId: 'user-bob', anonymousId: 'anon-91c2', email: 'bob@example.com', plan: 'free', company: 'globex' },
  { distinctId: 'user-carol', anonymousId: 'anon-02bd', email: 'carol@example.com', plan: 'pro', company: 'acme' },
]

const COMPANIES = [
  { key: 'acme', name: 'Acme Corp', seats: 120 },
  { key: 'globex', name: 'Globex', seats: 12 },
]

/**
 * A small "checkout service" using the hoglet SDK the way an application would: it
 * identifies people, describes their companies, captures what they do, evaluates flags
 * locally (definitions from the server) and remotely (`/flags`), records an experiment's
 * exposure, reads a remote-config payload, then flushes.
 */
export async function runExampleService(host: string): Promise<ServiceReport> {
  const report: ServiceReport = { flagChecks: [], remoteConfig: undefined, delivery: { captured: 0, delivered: 0, dropped: 0 } }

  // With a personal API key the SDK downloads flag definitions and evaluates locally.
  const posthog = new PostHog('phc_hoglet_demo', { host, personalApiKey: 'phx_hoglet_demo', flushAt: 50, flushInterval: 200 })
  // Without one, every flag check is a `/flags` request; the server uses its stored persons.
  const remote = new PostHog('phc_hoglet_demo', { host, enableLocalEvaluation: false, flushAt: 50, flushInterval: 200 })

  try {
    for (const c of COMPANIES) posthog.groupIdentify({ groupType: 'company', groupKey: c.key, properties: { name: c.name, seats: c.seats } })

    for (const u of USERS) {
      // An anonymous visit, then sign-in: identify merges the two into one person.
      posthog.capture({ distinctId: u.anonymousId, event: '$pageview', properties: { $current_url: 'https://shop.example/' } })
      posthog.identify({ distinctId: u.distinctId, properties: { $anon_distinct_id: u.anonymousId, email: u.email, plan: u.plan } })
      posthog.capture({ distinctId: u.distinctId, event: 'product viewed', properties: { sku: 'HOG-1' }, groups: { company: u.company } })
    }
    // A support tool knows Alice under another id: alias it to her person.
    posthog.alias({ distinctId: 'user-alice', alias: 'zendesk-4411' })

    await posthog.waitForLocalEvaluationReady(5000)
    for (const u of USERS) {
      const personProperties = { email: u.email, plan: u.plan }
      const company = COMPANIES.find((c) => c.key === u.company)!
      const groups = { company: u.company }
      const groupProperties = { company: { seats: company.seats } }

      // The experiment: getFeatureFlag records a `$feature_flag_called` exposure event.
      const variant = await posthog.getFeatureFlag('checkout-experiment', u.distinctId, { personProperties })
      const payload = await posthog.getFeatureFlagPayload('checkout-experiment', u.distinctId, variant, { personProperties })
      report.flagChecks.push({ how: 'local', distinctId: u.distinctId, flag: 'checkout-experiment', value: variant, payload })
      posthog.capture({ distinctId: u.distinctId, event: 'checkout started', properties: { $feature_checkout_experiment: variant }, groups })

      const support = await posthog.isFeatureEnabled('priority-support', u.distinctId, { personProperties })
      report.flagChecks.push({ how: 'local', distinctId: u.distinctId, flag: 'priority-support', value: support })

      const dashboards = await posthog.isFeatureEnabled('team-dashboards', u.distinctId, { groups, groupProperties })
      report.flagChecks.push({ how: 'local', distinctId: u.distinctId, flag: `team-dashboards (${u.company})`, value: dashboards })

      posthog.capture({ distinctId: u.distinctId, event: 'order completed', properties: { total: 42, currency: 'EUR' }, groups })
    }

    // Remote evaluation: the request carries no person properties; the server uses what it stored.
    await posthog.flush()
    for (const u of USERS) {
      const all = await remote.getAllFlags(u.distinctId)
      for (const flag of ['priority-support', 'faster-search']) {
        report.flagChecks.push({ how: 'remote', distinctId: u.distinctId, flag, value: all[flag] })
      }
    }

    report.remoteConfig = await posthog.getRemoteConfigPayload('site-banner')
  } finally {
    await posthog.shutdown(10_000)
    await remote.shutdown(10_000)
  }
  for (const client of [posthog, remote]) {
    const s = client.stats()
    report.delivery.captured += s.captured
    report.delivery.delivered += s.delivered
    report.delivery.dropped += s.droppedTotal
  }
  return report
}
