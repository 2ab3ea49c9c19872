import { describe, expect, it } from 'vitest'
import { receivedEvents, serverPerTest } from '../helpers/client.js'

// Every request in flight and every retry wait listens to the client's shutdown signal: many at
// once must not make Node print MaxListenersExceededWarning on the application's stderr.
const { server, client } = serverPerTest()

describe('many requests in flight at once', () => {
  it('30 concurrent captureImmediate calls: all delivered, and Node prints no listener warning', async () => {
    server.route('/batch/', { status: 200, body: { status: 1 }, delayMs: 300 })
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const c = client()
      await Promise.all(Array.from({ length: 30 }, (_, i) => c.captureImmediate({ distinctId: 'u', event: 'immediate', properties: { i } })))
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(receivedEvents(server)).toHaveLength(30)
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([])
  })
})
