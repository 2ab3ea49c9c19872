import { afterEach, describe, expect, it } from 'vitest'
import { PostHog } from '../index.js'

const counts = () => ({
  monitor: process.listenerCount('uncaughtExceptionMonitor'),
  rejection: process.listenerCount('unhandledRejection'),
  uncaught: process.listenerCount('uncaughtException'),
})

describe('exception autocapture hooks in this process', () => {
  const clients: PostHog[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown(100)
  })

  it('installs one crash monitor and no listener that would change Node behaviour, and removes it on shutdown', async () => {
    const before = counts()
    const client = new PostHog('phc_test', { host: 'http://127.0.0.1:9', enableExceptionAutocapture: true })
    clients.push(client)
    expect(counts()).toEqual({ ...before, monitor: before.monitor + 1 })
    await client.shutdown(100)
    expect(counts()).toEqual(before)
  })

  it('installs nothing when the option is off', () => {
    const before = counts()
    clients.push(new PostHog('phc_test', { host: 'http://127.0.0.1:9' }))
    expect(counts()).toEqual(before)
  })
})
