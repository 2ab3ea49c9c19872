import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/logger.js'
import { createTestServer } from '../../helpers/test-server.js'
import { bothWires, comparable, type WireEvent } from './harness.js'

/** posthog-node builds `$exception` asynchronously, so its events may arrive in another order. */
const byPerson = <T extends { distinct_id: string; properties: Record<string, any> }>(events: T[]): T[] => {
  const key = (e: T) => `${e.distinct_id}\u0000${e.properties.$exception_list?.[0]?.value ?? ''}`
  return [...events].sort((a, b) => key(a).localeCompare(key(b)))
}

// captureException / captureExceptionImmediate against posthog-node and hoglet: the same thrown
// values (the same objects, so the same stacks) must give the same `$exception` events.

function loadInvoice(): never {
  throw new SyntaxError('Unexpected token } in invoice')
}

function chargeCard(): never {
  try {
    loadInvoice()
  } catch (cause) {
    throw new Error('charge failed', { cause })
  }
}

function caught(fn: () => never): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
}

const withCause = caught(chargeCard)
const aggregate = new AggregateError([new RangeError('first'), new TypeError('second')], 'all failed')
const plainError = new Error('plain failure')

/**
 * Frames of the libraries themselves and of the harness line that calls each library: a
 * synthetic stack is made at the call, so these differ by construction.
 */
const isLibraryFrame = (frame: { filename?: string }): boolean =>
  /node_modules\/posthog-node\/|packages\/hoglet\/src\/|node_modules\/@posthog\/|compat\/integrations\/harness\.ts$/.test(frame.filename ?? '')

/** Drops library and harness frames (see `isLibraryFrame`). */
function withoutLibraryFrames(event: WireEvent): ReturnType<typeof comparable> {
  const c = comparable(event)
  const list = c.properties.$exception_list?.map((entry: any) =>
    entry.stacktrace ? { ...entry, stacktrace: { ...entry.stacktrace, frames: entry.stacktrace.frames.filter((f: any) => !isLibraryFrame(f)) } } : entry,
  )
  return list ? { ...c, properties: { ...c.properties, $exception_list: list } } : c
}

describe('$exception wire: posthog-node and hoglet', () => {
  it('an error with a cause, an AggregateError and a plain error give identical events, frame by frame', async () => {
    const wires = await bothWires({}, async (client) => {
      client.captureException(withCause, 'user-1', { plan: 'pro' })
      client.captureException(aggregate, 'user-2')
      client.captureException(plainError, 'user-3', { 7: 'numeric key' })
    })
    expect(wires.hoglet).toHaveLength(3)
    expect(byPerson(wires.hoglet.map(comparable))).toEqual(byPerson(wires.posthogNode.map(comparable)))
    // The comparison is only as strong as what is in it: frames carry source lines and modules.
    const frame = byPerson(wires.hoglet)[0]!.properties.$exception_list[0].stacktrace.frames.at(-1)
    expect(frame).toMatchObject({ function: 'chargeCard', in_app: true, platform: 'node:javascript' })
    expect(frame.context_line).toContain("throw new Error('charge failed'")
    expect(frame.pre_context).toHaveLength(7)
    expect(typeof frame.module).toBe('string')
    expect(frame.filename.startsWith('/')).toBe(false)
    expect(wires.hoglet[0]!.properties).not.toHaveProperty('$exception_fingerprint')
  })

  it('thrown non-errors (string, object, number) give the same entries and the call-site stack', async () => {
    const wires = await bothWires({}, async (client) => {
      client.captureException('just a string', 'user-s')
      client.captureException({ message: 'object with message', code: 42 }, 'user-o')
      client.captureException(404, 'user-n')
    })
    expect(wires.hoglet).toHaveLength(3)
    expect(byPerson(wires.hoglet.map(withoutLibraryFrames))).toEqual(byPerson(wires.posthogNode.map(withoutLibraryFrames)))
    const frames = byPerson(wires.hoglet).find((e) => e.distinct_id === 'user-s')!.properties.$exception_list[0].stacktrace.frames
    expect(frames.some((f: any) => f.in_app && f.context_line?.includes("captureException('just a string'"))).toBe(true)
  })

  it('no distinct id outside a context: personless in both; a context gives its person, session and properties', async () => {
    const wires = await bothWires({}, async (client) => {
      client.captureException(new Error('nobody'))
      client.withContext({ distinctId: 'ctx-user', sessionId: 'ctx-session', properties: { tenant: 'acme' } }, () => {
        client.captureException(plainError)
      })
    })
    const hogletEvents = byPerson(wires.hoglet.map(withoutLibraryFrames))
    expect(hogletEvents.map((e) => e.distinct_id)).toEqual(['<generated>', 'ctx-user'])
    expect(hogletEvents.map((e) => ({ ...e, properties: { ...e.properties, $exception_list: undefined } }))).toEqual(
      byPerson(wires.posthogNode.map(withoutLibraryFrames)).map((e) => ({ ...e, properties: { ...e.properties, $exception_list: undefined } })),
    )
  })

  it('the uuid argument names the event; flags are the fifth argument', async () => {
    const uuid = '01890e3c-7f8a-7b7c-9d2e-5f3a1b2c3d4e'
    const wires = await bothWires({}, async (client) => {
      client.captureException(new Error('with uuid'), 'user-u', { a: 1 }, uuid, undefined)
    })
    expect(wires.hoglet[0]!.uuid).toBe(uuid)
    expect(wires.posthogNode[0]!.uuid).toBe(uuid)
  })

  it('a flags snapshot passed to captureException adds the same $feature/ properties', async () => {
    const flagsAnswer = {
      flags: {
        'new-checkout': { key: 'new-checkout', enabled: true, variant: 'treatment', reason: { code: 'condition_match', description: 'Matched condition set 1', condition_index: 0 }, metadata: { id: 1, version: 3, payload: null } },
        'old-banner': { key: 'old-banner', enabled: false, variant: null, reason: { code: 'no_condition_match', description: 'No matching condition set', condition_index: null }, metadata: { id: 2, version: 1, payload: null } },
      },
      errorsWhileComputingFlags: false,
      requestId: 'request-1',
    }
    const wires = await bothWires({}, async (client, _library, sink) => {
      sink.route('/flags', { body: flagsAnswer })
      const flags = await client.evaluateFlags('user-f')
      client.captureException(plainError, 'user-f', { step: 'pay' }, undefined, flags)
      await client.captureExceptionImmediate(new Error('immediate with flags'), 'user-f', undefined, flags)
    })
    const exceptions = (events: WireEvent[]) => byPerson(events.filter((e) => e.event === '$exception').map(withoutLibraryFrames))
    expect(exceptions(wires.hoglet)).toHaveLength(2)
    expect(exceptions(wires.hoglet)[0]!.properties).toMatchObject({ '$feature/new-checkout': 'treatment', '$feature/old-banner': false })
    expect(exceptions(wires.hoglet).map((e) => e.properties)).toEqual(exceptions(wires.posthogNode).map((e) => e.properties))
  })

  it('captureExceptionImmediate(error, distinctId, properties) sends the same event at once and resolves', async () => {
    const wires = await bothWires({}, async (client, _library, sink) => {
      await client.captureExceptionImmediate(plainError, 'user-imm', { immediate: true })
      // Delivered before the call resolved, without a flush.
      expect(sink.requestsTo('/batch/')).toHaveLength(1)
    })
    expect(byPerson(wires.hoglet.map(comparable))).toEqual(byPerson(wires.posthogNode.map(comparable)))
    expect(wires.hoglet[0]!.properties.immediate).toBe(true)
  })

  it('an injected release id ($release_id) is sent by both', async () => {
    const global = globalThis as { _posthogReleaseId?: string }
    global._posthogReleaseId = 'release-2026-12'
    try {
      const wires = await bothWires({}, async (client) => {
        client.captureException(plainError, 'user-r')
      })
      expect(wires.hoglet[0]!.properties.$release_id).toBe('release-2026-12')
      expect(byPerson(wires.hoglet.map(comparable))).toEqual(byPerson(wires.posthogNode.map(comparable)))
    } finally {
      delete global._posthogReleaseId
    }
  })
})

describe('$exception wire on the edge entries: posthog-node/edge and hoglet/edge', () => {
  it('the same error gives the same event (no source lines or modules: no file system there)', async () => {
    const [{ PostHog: EdgeNode }, { PostHog: EdgeHoglet }] = await Promise.all([import('posthog-node/edge'), import('../../../src/edge.js')])
    const received: Record<string, WireEvent[]> = {}
    for (const [name, Client] of [['posthog-node', EdgeNode], ['hoglet', EdgeHoglet]] as const) {
      const sink = await createTestServer()
      const client = new (Client as unknown as typeof EdgeHoglet)('phc_compat', { host: sink.url, flushAt: 1000, flushInterval: 0, ...(name === 'hoglet' ? { logger: silentLogger } : {}) })
      client.captureException(withCause, 'edge-user', { runtime: 'edge' })
      await client.flush()
      received[name] = sink.requestsTo('/batch/').flatMap((r) => r.json?.batch ?? [])
      await client.shutdown()
      await sink.close()
    }
    expect(received.hoglet).toHaveLength(1)
    expect(received.hoglet!.map(comparable)).toEqual(received['posthog-node']!.map(comparable))
    const frame = received.hoglet![0]!.properties.$exception_list[0].stacktrace.frames.at(-1)
    expect(frame.filename.startsWith('/')).toBe(true)
    expect(frame).not.toHaveProperty('context_line')
  })
})
