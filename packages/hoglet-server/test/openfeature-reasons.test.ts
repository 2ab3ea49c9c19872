import { OpenFeature } from '@openfeature/server-sdk'
import { PostHog } from 'hoglet'
import { HogletProvider } from 'hoglet/openfeature'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningServer } from '../src/index.js'
import { startTestServer } from './helpers.js'

// README claims on the OpenFeature provider beyond openfeature.test.ts: a remote
// `out_of_rollout_bound` answer is SPLIT, a thrown error is GENERAL, and `shutdownClientOnClose`.
const clients: PostHog[] = []
afterEach(async () => {
  await OpenFeature.clearProviders()
  await Promise.all(clients.splice(0).map((c) => c.shutdown(5000)))
})

async function serverWith(flags: unknown[]): Promise<RunningServer> {
  const server = await startTestServer()
  const res = await fetch(`${server.url}/_hoglet/flags`, { method: 'PUT', headers: server.controlHeaders(), body: JSON.stringify({ flags }) })
  expect(res.status).toBeLessThan(300)
  return server
}

function posthogFor(server: RunningServer): PostHog {
  const posthog = new PostHog('phc_of', { host: server.url, flushAt: 1000, flushInterval: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } })
  clients.push(posthog)
  return posthog
}

describe('OpenFeature provider reasons and lifecycle', () => {
  it('a remote out_of_rollout_bound answer is SPLIT, keeping the code in flagMetadata', async () => {
    const server = await serverWith([{ key: 'nobody', filters: { groups: [{ properties: [], rollout_percentage: 0 }] } }])
    await OpenFeature.setProviderAndWait(new HogletProvider(posthogFor(server), { waitForLocalEvaluation: false }))
    const details = await OpenFeature.getClient().getBooleanDetails('nobody', true, { targetingKey: 'u1' })
    expect(details).toMatchObject({ value: false, reason: 'SPLIT', flagMetadata: { reasonCode: 'out_of_rollout_bound' } })
  })

  it('an error thrown by the client gives the default value with GENERAL', async () => {
    const throwing = { getFeatureFlagResult: async () => Promise.reject(new Error('client exploded')) }
    await OpenFeature.setProviderAndWait(new HogletProvider(throwing, { waitForLocalEvaluation: false }))
    const details = await OpenFeature.getClient().getStringDetails('any', 'fallback', { targetingKey: 'u1' })
    expect(details).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'GENERAL', errorMessage: 'client exploded' })
  })

  it('shutdownClientOnClose: closing OpenFeature shuts the client down, delivering what it queued; without it the client is left running', async () => {
    const server = await serverWith([{ key: 'on' }])
    const kept = posthogFor(server)
    await OpenFeature.setProviderAndWait(new HogletProvider(kept, { waitForLocalEvaluation: false }))
    OpenFeature.getClient().track('kept queued', { targetingKey: 'u1' })
    await OpenFeature.close()
    expect(server.store.events.count()).toBe(0)
    expect(kept.stats().queued).toBe(1)

    const closing = posthogFor(server)
    await OpenFeature.setProviderAndWait(new HogletProvider(closing, { waitForLocalEvaluation: false, shutdownClientOnClose: true }))
    OpenFeature.getClient().track('sent at close', { targetingKey: 'u2' })
    await OpenFeature.close()
    expect(server.store.events.list({ limit: 10 }).map((e) => e.event)).toEqual(['sent at close'])
    expect(closing.stats()).toMatchObject({ queued: 0, delivered: 1 })
  })
})
