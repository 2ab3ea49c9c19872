// The inputs both libraries get: events shaped like a web service's (about ten properties of
// mixed types) and people and companies whose properties let every one of the 40 benchmark
// flags be decided locally.

const PATHS = ['/pricing', '/checkout', '/dashboard', '/settings/billing', '/docs/getting-started']
const PLANS = ['free', 'starter', 'pro', 'enterprise']
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CA', 'BR', 'IN', 'JP', 'NL', 'ES']
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge', 'Googlebot']
const VERSIONS = ['1.9.3', '2.0.0', '2.4.1', '2.5.7', '3.0.2', '3.1.4', '3.2.0', '4.0.0-beta.1']
const DOMAINS = ['acme.com', 'globex.io', 'example.org', 'initech.edu', 'gmail.com', 'test.dev']
const TIERS = ['bronze', 'silver', 'gold', 'platinum']
const DAY_MS = 86_400_000

/** The event a request handler would capture: ~10 properties, mixed types. */
export function makeEvent(i) {
  return {
    distinctId: `user-${i % 5000}`,
    event: i % 7 === 0 ? 'checkout completed' : 'page viewed',
    properties: {
      $current_url: `https://shop.example.com${PATHS[i % PATHS.length]}?ref=${i % 13}`,
      path: PATHS[i % PATHS.length],
      plan: PLANS[i % PLANS.length],
      cart_value: (i % 500) + 0.99,
      items: i % 9,
      currency: 'USD',
      logged_in: i % 3 !== 0,
      experiment_variant: i % 2 ? 'control' : 'test',
      request_id: `req-${i}`,
      latency_ms: i % 250,
    },
  }
}

/** Person properties for user `i`: every property any benchmark flag reads is present. */
export function personProperties(i) {
  const at = Date.UTC(2026, 10, 1) - ((i * 7919) % 900) * DAY_MS
  return {
    email: `person${i}@${DOMAINS[i % DOMAINS.length]}`,
    plan: PLANS[(i * 3) % PLANS.length],
    country: COUNTRIES[(i * 7) % COUNTRIES.length],
    browser: BROWSERS[(i * 11) % BROWSERS.length],
    app_version: VERSIONS[(i * 5) % VERSIONS.length],
    signup_date: new Date(at).toISOString(),
    orders_count: (i * 37) % 120,
    lifetime_value: (i * 173) % 20_000,
    is_beta_tester: i % 4 === 0 ? 'true' : 'false',
    role: i % 5 === 0 ? 'admin' : 'member',
    $current_url: `https://shop.example.com${PATHS[i % PATHS.length]}`,
  }
}

export function groupsFor(i) {
  return { company: `company-${i % 300}` }
}

export function groupPropertiesFor(i) {
  return { company: { tier: TIERS[i % TIERS.length], seats: (i * 13) % 500, industry: i % 2 ? 'retail' : 'saas' } }
}

/** The options object a caller passes to `getFeatureFlag` / `getAllFlags` for user `i`. */
export function flagCallOptions(i) {
  return {
    personProperties: personProperties(i),
    groups: groupsFor(i),
    groupProperties: groupPropertiesFor(i),
    onlyEvaluateLocally: true,
    sendFeatureFlagEvents: false,
  }
}
