/**
 * Options as posthog-node users write them: unknown names are reported (one warning each, with the
 * nearest known name), and posthog-node's edge values mean what they mean there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PostHog, type PostHogOptions } from '../../src/index.js'
import { createTestServer, type TestServer } from '../helpers/test-server.js'
import { receivedEvents } from '../helpers/client.js'

function warningsFor(options: Record<string, unknown>): string[] {
  const warnings: string[] = []
  const client = new PostHog('phc_test', { ...(options as PostHogOptions), logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} } })
  void client.shutdown()
  return warnings
}

describe('unknown options', () => {
  it.each([
    ['beforesend', 'beforeSend'],
    ['before_sned', 'before_send'],
    ['flushInteval', 'flushInterval'],
    ['FlushAt', 'flushAt'],
    ['persistance', 'persistence'],
    ['personalApiKy', 'personalApiKey'],
    ['featureFlagsPollingIntervall', 'featureFlagsPollingInterval'],
  ])('%s: one warning naming it, suggesting %s', (name, suggestion) => {
    const warnings = warningsFor({ [name]: 1 })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`\`${name}\``)
    expect(warnings[0]).toContain(`did you mean \`${suggestion}\``)
  })

  it('names each unknown option once, without a suggestion when nothing is near', () => {
    const warnings = warningsFor({ somethingElse: true, zz: 1, host: undefined })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/Unknown option `somethingElse` is ignored\.$/)
    expect(warnings[1]).toMatch(/Unknown option `zz` is ignored\.$/)
  })

  it('says why a posthog-node option hoglet does not support yet is ignored', () => {
    const warnings = warningsFor({ metrics: { serviceName: 'x' }, logs: {}, traces: {}, appHost: 'https://eu.posthog.com' })
    expect(warnings).toHaveLength(4)
    expect(warnings[0]).toMatch(/`metrics` option is ignored: the metrics API/)
  })

  it('says so for a posthog-node option this version does not implement yet', () => {
    const warnings = warningsFor({ waitUntil: () => {}, bootstrap: {} })
    expect(warnings).toEqual([
      'The `waitUntil` option is ignored: this hoglet version does not implement it yet: `await posthog.flush()` before the handler returns.',
      'The `bootstrap` option is ignored: this hoglet version does not implement it yet.',
    ])
  })

  it('accepts every posthog-node option name without a warning', () => {
    const warnings = warningsFor({
      persistence: 'memory',
      personProfiles: 'always',
      before_send: (e: unknown) => e,
      beforeSend: (e: unknown) => e,
      defaultOptIn: true,
      privacyMode: false,
      isServer: true,
      custom_blocked_useragents: [],
      __preview_capture_bot_pageviews: false,
      disableSurveys: true,
      disableRemoteConfig: true,
      disable_capture_url_hashes: false,
      sessionExpirationTimeSeconds: 1800,
      addTracingHeaders: [],
      enableFullAiCapture: false,
      evaluationContexts: ['web'],
      featureFlagsPollingInterval: null,
    })
    expect(warnings).toEqual([])
  })
})

describe('posthog-node edge values', () => {
  let server: TestServer
  beforeEach(async () => {
    server = await createTestServer()
  })
  afterEach(async () => {
    await server.close()
  })

  it('flushAt: 0 means the default (20), as posthog-node reads it', () => {
    expect(new PostHog('phc_test', { flushAt: 0, disabled: true }).flushAt).toBe(20)
    expect(new PostHog('phc_test', { flushAt: -3, disabled: true }).flushAt).toBe(1)
  })

  it('requestTimeout: 0 sets no time limit: a slow answer is still a delivery', async () => {
    server.route('/batch/', { status: 200, delayMs: 300, body: { status: 1 } })
    const client = new PostHog('phc_test', { host: server.url, requestTimeout: 0, flushInterval: 0, fetchRetryCount: 0 })
    client.capture({ distinctId: 'u', event: 'slow' })
    await client.flush()
    expect(client.stats()).toMatchObject({ delivered: 1, retried: 0 })
  })

  it('flushInterval: -1 sends each event as soon as the tick ends, with no flush() call', async () => {
    const client = new PostHog('phc_test', { host: server.url, flushInterval: -1 })
    client.capture({ distinctId: 'u', event: 'a' })
    client.capture({ distinctId: 'u', event: 'b' })
    await server.waitForRequests('/batch/', 1)
    expect(receivedEvents(server).map((e) => e.event)).toEqual(['a', 'b'])
    await client.shutdown()
  })

  it('featureFlagsPollingInterval: null loads definitions once; 50 ms polls at the 100 ms floor', async () => {
    server.route('/flags/definitions', { status: 200, body: { flags: [], group_type_mapping: {}, cohorts: {} } })
    server.route('/api/feature_flag/local_evaluation', { status: 200, body: { flags: [], group_type_mapping: {}, cohorts: {} } })
    const once = new PostHog('phc_test', { host: server.url, secretKey: 'phs_x', featureFlagsPollingInterval: null })
    expect(await once.waitForLocalEvaluationReady(2000)).toBe(true)
    const fast = new PostHog('phc_test', { host: server.url, secretKey: 'phs_y', featureFlagsPollingInterval: 50 })
    await new Promise((r) => setTimeout(r, 450))
    const loads = (key: string) => server.requests.filter((r) => r.method === 'GET' && r.headers.authorization === `Bearer ${key}`).length
    expect(loads('phs_x')).toBe(1)
    expect(loads('phs_y')).toBeGreaterThanOrEqual(3)
    expect(loads('phs_y')).toBeLessThanOrEqual(6)
    await once.shutdown()
    await fast.shutdown()
  })
})
