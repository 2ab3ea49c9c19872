/**
 * posthog-node's documented behaviours, each run against posthog-node and hoglet through the
 * comparison harness (./harness.ts): same calls, same recording server, same results and wire,
 * except for the differences the migration guide documents.
 */
import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { compareLibraries, describeDifferences, type Comparison, type ScenarioContext } from './harness.js'

function expectSame(comparison: Comparison): void {
  expect(comparison.unexplained, describeDifferences(comparison.unexplained)).toEqual([])
}

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('the same wire as posthog-node', () => {
  it('capture, identify, alias, groups and person properties', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_test', options())
        const returned = {
          capture: client.capture({ distinctId: 'u1', event: 'order completed', properties: { total: 42, tags: ['a'] }, groups: { company: 'acme' } }),
          numeric: client.capture({ distinctId: 'u1', event: 'with time', timestamp: new Date('2024-05-06T07:08:09.123Z'), uuid: '0190f5c8-3a4b-7c2d-8e9f-0a1b2c3d4e5f' }),
          identify: client.identify({ distinctId: 'u1', properties: { email: 'a@b.c', $set_once: { first: 1 } } }),
          identifySet: client.identify({ distinctId: 'u2', properties: { $set: { plan: 'pro' } } }),
          alias: client.alias({ distinctId: 'u1', alias: 'anon-1' }),
          group: client.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme' } }),
          groupWithId: client.groupIdentify({ groupType: 'company', groupKey: 'acme', distinctId: 'u1' }),
          set: client.setPersonProperties({ distinctId: 'u1', properties: { plan: 'pro' }, propertiesOnce: { signup: '2024' } }),
          setOnly: client.setPersonProperties({ distinctId: 'u1', properties: { plan: 'pro' } }),
          unset: client.unsetPersonProperties({ distinctId: 'u1', properties: ['plan', ' ', 'trial'] }),
          unsetOne: client.unsetPersonProperties({ distinctId: 'u1', properties: 'plan' }),
          geo: client.capture({ distinctId: 'u1', event: 'geo on', disableGeoip: false }),
        }
        await client.shutdown()
        return { returned }
      },
    )
    expectSame(comparison)
    expect(comparison.hoglet.events).toHaveLength(12)
  })

  it('identify() with $set and other properties: hoglet keeps both (documented)', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_test', options())
        client.identify({ distinctId: 'u', properties: { $set: { plan: 'pro' }, email: 'a@b.c' } })
        await client.shutdown()
        return null
      },
      { documented: ['identify-set-merge'] },
    )
    expectSame(comparison)
    expect(comparison.differences.map((d) => d.path)).toEqual(['events[0].properties.$set.email'])
  })

  it('the Immediate calls: one request each, the same events', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_test', options())
        const returned = {
          capture: await client.captureImmediate({ distinctId: 'u', event: 'now', properties: { a: 1 }, groups: { company: 'acme' } }),
          identify: await client.identifyImmediate({ distinctId: 'u', properties: { email: 'a@b.c' } }),
          alias: await client.aliasImmediate({ distinctId: 'u', alias: 'anon' }),
          group: await client.groupIdentifyImmediate({ groupType: 'company', groupKey: 'acme', properties: { name: 'Acme' } }),
        }
        await client.shutdown()
        return { returned }
      },
      { compare: ['requests'] },
    )
    expectSame(comparison)
    expect(comparison.hoglet.requests).toHaveLength(4)
  })

  it('the /batch/ envelope: api_key, historical_migration, sent_at', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_envelope', options({ historicalMigration: true, disableGeoip: false }))
        client.capture({ distinctId: 'u', event: 'imported', timestamp: new Date('2020-01-01T00:00:00.000Z') })
        await client.shutdown()
        return null
      },
      { compare: ['requests'] },
    )
    expectSame(comparison)
    expect(comparison.hoglet.requests[0]).toMatchObject({ envelope: { api_key: 'phc_envelope', historical_migration: true, sent_at: '<time>' } })
  })

  it('a disabled client, or one without an api key, sends nothing', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      vi.spyOn(console, 'error').mockImplementation(() => {})
      vi.spyOn(console, 'warn').mockImplementation(() => {})
      const disabled = new PostHog('phc_test', options({ disabled: true }))
      const keyless = new PostHog('', options())
      for (const client of [disabled, keyless]) {
        client.capture({ distinctId: 'u', event: 'e' })
        client.identify({ distinctId: 'u', properties: { a: 1 } })
        await client.flush()
        await client.shutdown()
      }
      return { isDisabled: [disabled.isDisabled, keyless.isDisabled] }
    })
    expectSame(comparison)
    expect(comparison.hoglet.requests).toEqual([])
  })

  it('super properties go on events and $set, not on $identify, $create_alias or $groupidentify', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_test', options())
        await client.register({ app: 'web', release: 3 })
        client.capture({ distinctId: 'u', event: 'e' })
        client.identify({ distinctId: 'u', properties: { a: 1 } })
        client.alias({ distinctId: 'u', alias: 'old' })
        client.groupIdentify({ groupType: 'company', groupKey: 'acme' })
        client.setPersonProperties({ distinctId: 'u', properties: { b: 2 } })
        await client.unregister('release')
        client.capture({ distinctId: 'u', event: 'after unregister' })
        await client.shutdown()
        return null
      },
    )
    expectSame(comparison)
    const identify = comparison.hoglet.events.find((e: any) => e.event === '$identify') as any
    expect(identify.properties.app).toBeUndefined()
  })

  it('context: distinct id, session id and properties; none on identify', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog('phc_test', options())
      await client.withContext({ distinctId: 'ctx-user', sessionId: 'sess-1', properties: { plan: 'pro' } }, async () => {
        client.capture({ event: 'in context' })
        client.capture({ distinctId: 'explicit', event: 'explicit id', properties: { plan: 'free' } })
        client.identify({ distinctId: 'ctx-user', properties: { name: 'Ada' } })
        client.setPersonProperties({ distinctId: 'ctx-user', properties: { plan: 'team' } })
        client.alias({ distinctId: 'ctx-user', alias: 'anon' })
        client.groupIdentify({ groupType: 'company', groupKey: 'acme' })
        await client.withContext({ properties: { step: 2 } }, async () => client.capture({ event: 'nested' }))
        await client.withContext({ properties: { only: true } }, async () => client.capture({ distinctId: 'x', event: 'fresh' }), { fresh: true })
      })
      const outside = client.getContext()
      await client.shutdown()
      return { outside: outside ?? null }
    })
    expectSame(comparison)
  })

  it('a context signal ends the context (and those nested in it) without cancelling the callback', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog('phc_test', options())
      const outer = new AbortController()
      const seen: Array<string | null> = []
      await client.withContext({ distinctId: 'outer' }, async () => {
        const inner = new AbortController()
        await client.withContext(
          { distinctId: 'bounded', properties: { bounded: true } },
          async () => {
            client.capture({ event: 'while bounded' })
            await client.withContext({ sessionId: 's-nested' }, async () => {
              seen.push(client.getContext()?.distinctId ?? null)
              inner.abort()
              seen.push(client.getContext()?.distinctId ?? null)
              client.capture({ distinctId: 'explicit', event: 'after abort, nested' })
            })
            client.capture({ distinctId: 'explicit', event: 'after abort' })
          },
          { signal: inner.signal },
        )
        outer.abort()
        const aborted = new AbortController()
        aborted.abort()
        client.withContext({ distinctId: 'never' }, () => seen.push(client.getContext()?.distinctId ?? null), { signal: aborted.signal })
      })
      await client.shutdown()
      return { seen }
    })
    expectSame(comparison)
    expect(comparison.hoglet.result).toEqual({ seen: ['bounded', null, null] })
  })

  it('a capture without a distinct id outside any context is personless', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_test', options())
        const returned = { capture: client.capture({ event: 'anonymous ping', properties: { a: 1 } }) }
        await client.shutdown()
        return { returned }
      },
    )
    expectSame(comparison)
    expect(comparison.hoglet.events).toMatchObject([{ distinct_id: '<uuid>', properties: { $process_person_profile: false } }])
  })
})

describe('serverless reuse', () => {
  it('a module-level client with await shutdown() per invocation stores every invocation', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog('phc_test', options())
      const handler = async (n: number): Promise<void> => {
        client.capture({ distinctId: 'u', event: 'invocation', properties: { n } })
        await client.shutdown()
      }
      for (let n = 1; n <= 3; n++) await handler(n)
      return null
    })
    expectSame(comparison)
    expect(comparison.hoglet.events).toHaveLength(3)
  })

  it('flush() and shutdown() resolve under vitest fake timers', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      vi.useFakeTimers()
      try {
        const client = new PostHog('phc_test', options({ flushInterval: 10_000 }))
        client.capture({ distinctId: 'u', event: 'faked' })
        const flushed = await withinRealTime(client.flush())
        client.capture({ distinctId: 'u', event: 'faked 2' })
        const shut = await withinRealTime(client.shutdown())
        return { flushed, shut }
      } finally {
        vi.useRealTimers()
      }
    })
    expectSame(comparison)
    expect(comparison.hoglet.result).toEqual({ flushed: true, shut: true })
  })

  // jest's default fake timers also replace queueMicrotask (and nextTick, which vitest's forks pool cannot fake; hoglet does not use it).
  it('flush() resolves under fake timers that also replace queueMicrotask (as jest defaults do)', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'queueMicrotask'] })
      try {
        // jest fakes the test's globals only, not those Node's own fetch uses: a node:http fetch stands in for that.
        const client = new PostHog('phc_test', options({ fetch: httpFetch }))
        client.capture({ distinctId: 'u', event: 'jest-like' })
        return { flushed: await withinRealTime(client.flush()) }
      } finally {
        vi.useRealTimers()
      }
    })
    expectSame(comparison)
    expect(comparison.hoglet.result).toEqual({ flushed: true })
  })
})

describe('options take effect as in posthog-node', () => {
  it('before_send redacts and drops (a function or a list)', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog(
        'phc_test',
        options({
          before_send: [
            (event: any) => (event.event === 'drop me' ? null : event),
            (event: any) => {
              if (event.properties?.email) event.properties.email = '[redacted]'
              if (event.event === 'rename') event.event = 'renamed'
              return event
            },
          ],
        }),
      )
      client.capture({ distinctId: 'u', event: 'signup', properties: { email: 'a@b.c', plan: 'pro' }, groups: { company: 'acme' } })
      client.capture({ distinctId: 'u', event: 'drop me' })
      client.capture({ distinctId: 'u', event: 'rename' })
      client.identify({ distinctId: 'u', properties: { email: 'a@b.c' } })
      await client.shutdown()
      return null
    })
    expectSame(comparison)
    expect(comparison.hoglet.events.map((e: any) => e.event)).toEqual(['signup', 'renamed', '$identify'])
  })

  it('defaultOptIn: false sends nothing until optIn(); optOut()/disable() stop again; enable() resumes', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog('phc_test', options({ defaultOptIn: false }))
      const states: boolean[] = [client.optedOut]
      client.capture({ distinctId: 'u', event: 'before consent' })
      // posthog-node prepares each event asynchronously and checks consent when it is ready.
      await settle()
      await client.optIn()
      states.push(client.optedOut)
      client.capture({ distinctId: 'u', event: 'after optIn' })
      // posthog-node prepares events asynchronously: flush before changing consent again.
      await client.flush()
      await client.optOut()
      client.capture({ distinctId: 'u', event: 'after optOut' })
      client.identify({ distinctId: 'u', properties: { a: 1 } })
      await settle()
      await client.enable()
      client.capture({ distinctId: 'u', event: 'after enable' })
      await client.flush()
      await client.disable()
      states.push(client.optedOut)
      client.capture({ distinctId: 'u', event: 'after disable' })
      await settle()
      await client.shutdown()
      return { states }
    })
    expectSame(comparison)
    expect(comparison.hoglet.events.map((e: any) => e.event)).toEqual(['after optIn', 'after enable'])
  })

  it('persistence, personProfiles, privacyMode and isServer: false', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog('phc_test', options({ persistence: 'memory', personProfiles: 'never', privacyMode: true, isServer: false }))
      client.capture({ distinctId: 'u', event: 'cli event' })
      client.identify({ distinctId: 'u', properties: { a: 1 } })
      const privacyMode = client.privacyMode
      await client.shutdown()
      return { privacyMode }
    })
    expectSame(comparison)
    expect((comparison.hoglet.events[0] as any).properties).not.toHaveProperty('$is_server')
  })

  it('custom_blocked_useragents with __preview_capture_bot_pageviews: bot pageviews become $bot_pageview', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const client = new PostHog('phc_test', options({ __preview_capture_bot_pageviews: true, custom_blocked_useragents: ['acme-monitor'] }))
      const pageview = (ua: string) => client.capture({ distinctId: 'u', event: '$pageview', properties: { $raw_user_agent: ua } })
      pageview('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')
      pageview('AcMe-Monitor/1.0')
      pageview('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15')
      client.capture({ distinctId: 'u', event: 'not a pageview', properties: { $raw_user_agent: 'Googlebot' } })
      await client.shutdown()
      return null
    })
    expectSame(comparison)
    expect(comparison.hoglet.events.map((e: any) => e.event)).toEqual(['$bot_pageview', '$bot_pageview', '$pageview', 'not a pageview'])
  })

  it('posthog-node edge values: flushAt 0, flushInterval -1, requestTimeout 0 is accepted; polling null or 50 ms', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const built: string[] = []
      for (const extra of [{ flushAt: 0 }, { flushInterval: -1 }, { featureFlagsPollingInterval: null }, { featureFlagsPollingInterval: 50 }, { maxCacheSize: 0 }]) {
        const client = new PostHog('phc_test', options(extra))
        built.push(`${JSON.stringify(extra)} flushAt=${client.flushAt}`)
        await client.shutdown()
      }
      const immediate = new PostHog('phc_test', options({ flushInterval: -1 }))
      immediate.capture({ distinctId: 'u', event: 'soon' })
      await new Promise((r) => setTimeout(r, 200))
      const sentBeforeFlush = immediate.flushAt > 0
      await immediate.shutdown()
      return { built, sentBeforeFlush }
    })
    expectSame(comparison)
  })
})

describe('events, debugging, fetch and failures', () => {
  it("on('capture'), on('identify'), on('alias') and the flush payload", async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const client = new PostHog('phc_test', options())
        const seen: Record<string, unknown[]> = { capture: [], identify: [], alias: [] }
        const flushPayloads: unknown[] = []
        for (const name of ['capture', 'identify', 'alias']) client.on(name, (payload: unknown) => seen[name].push(payload))
        client.on('flush', (payload: unknown[]) => flushPayloads.push(Array.isArray(payload) ? [...payload] : payload))
        client.capture({ distinctId: 'u', event: 'e', properties: { a: 1 } })
        client.identify({ distinctId: 'u', properties: { b: 2 } })
        client.alias({ distinctId: 'u', alias: 'old' })
        await client.flush()
        await client.shutdown()
        return { seen: normaliseLib(seen), flushPayloads: normaliseLib(flushPayloads) }
      },
      { documented: [] },
    )
    expectSame(comparison)
  })

  it('debug() logs while on and stops after debug(false)', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options }) => {
        const lines: string[] = []
        for (const method of ['log', 'info', 'debug', 'warn'] as const) {
          vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')))
        }
        const client = new PostHog('phc_test', options())
        client.debug()
        client.capture({ distinctId: 'u', event: 'debugged' })
        await client.flush()
        const whileOn = lines.length
        client.debug(false)
        client.capture({ distinctId: 'u', event: 'quiet' })
        await client.flush()
        const afterOff = lines.length - whileOn
        vi.restoreAllMocks()
        await client.shutdown()
        return { debugLines: { loggedWhileOn: whileOn > 0, loggedAfterOff: afterOff > 0 } }
      },
      { documented: ['debug-output'] },
    )
    expectSame(comparison)
    expect(comparison.hoglet.result).toEqual({ debugLines: { loggedWhileOn: true, loggedAfterOff: false } })
  })

  it('a custom fetch gets a string body when uncompressed, and a minimal {status, text, json} answer works', async () => {
    const comparison = await compareLibraries(async ({ PostHog, options }) => {
      const bodies: string[] = []
      const client = new PostHog(
        'phc_test',
        options({
          disableCompression: true,
          fetch: async (url: string, init: { method: string; headers: Record<string, string>; body?: unknown }) => {
            bodies.push(typeof init.body)
            const response = await fetch(url, { method: init.method, headers: init.headers, body: init.body as string })
            const text = await response.text()
            return { status: response.status, text: async () => text, json: async () => JSON.parse(text) }
          },
        }),
      )
      client.capture({ distinctId: 'u', event: 'through custom fetch' })
      await client.flush()
      await client.shutdown()
      return { bodies: [...new Set(bodies)] }
    })
    expectSame(comparison)
    expect(comparison.hoglet.result).toEqual({ bodies: ['string'] })
  })

  it('a batch that fails on a network error with retries off stays queued for the next flush', async () => {
    const comparison = await compareLibraries(
      async ({ PostHog, options, server }) => {
        server.enqueue('/batch/', { reset: true })
        const client = new PostHog('phc_test', options({ fetchRetryCount: 0 }))
        client.on('error', () => {})
        client.capture({ distinctId: 'u', event: 'kept' })
        let flushRejected = false
        await client.flush().catch(() => (flushRejected = true))
        await client.flush()
        await client.shutdown()
        return { flushRejected }
      },
      { documented: ['flush-never-rejects'] },
    )
    expectSame(comparison)
    // The first attempt reached the server before the connection was reset; the next flush sent the batch again.
    expect(comparison.hoglet.events.map((e: any) => e.event)).toEqual(['kept', 'kept'])
    expect(comparison.hoglet.result).toEqual({ flushRejected: false })
  })
})

/** Lets posthog-node's asynchronous event preparation finish. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20))
}

/** A fetch over node:http answering posthog-node's minimal contract ({status, text, json}). */
function httpFetch(url: string, init: { method: string; headers: Record<string, string>; body?: string | Uint8Array }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, text: async () => text, json: async () => JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(init.body === undefined ? undefined : Buffer.from(init.body as Uint8Array))
  })
}

// Captured at load, before any test installs fake timers.
const setTimeoutReal = globalThis.setTimeout.bind(globalThis)
const clearTimeoutReal = globalThis.clearTimeout.bind(globalThis)

/** True when `promise` settles within 3 s of real time (fake timers do not advance on their own). */
async function withinRealTime(promise: Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeoutReal(() => resolve(false), 3000)))
  const settled = promise.then(
    () => true,
    () => true,
  )
  const result = await Promise.race([settled, timeout])
  clearTimeoutReal(timer)
  return result
}

/** Listener payloads with the library name and version replaced, like the wire events. */
function normaliseLib(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === '$lib' ? '<lib>' : key === '$lib_version' ? '<version>' : v)))
}

export type { ScenarioContext }

describe('the documented differences', () => {
  it('each one is stated in docs/migrating-from-posthog-node.md under its anchor', async () => {
    const { readFileSync } = await import('node:fs')
    const { DOCUMENTED_DIFFERENCES } = await import('./documented-differences.js')
    const guide = readFileSync(new URL('../../../../docs/migrating-from-posthog-node.md', import.meta.url), 'utf8')
    const section = guide.slice(guide.indexOf('## Deliberate differences'))
    for (const id of Object.keys(DOCUMENTED_DIFFERENCES)) expect(section, id).toContain(`<a id="diff-${id}"></a>**${id}**`)
  })
})
