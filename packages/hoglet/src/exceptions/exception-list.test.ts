import { describe, expect, it } from 'vitest'
import { ExceptionCapturer, exceptionProperties } from './capture-exception.js'
import { coerceException } from './coerce.js'
import { buildExceptionList } from './exception-list.js'
import { ExceptionRateLimiter } from './rate-limiter.js'

function parseConfig(): never {
  throw new SyntaxError('Unexpected token } in config')
}
function loadSettings(): never {
  try {
    parseConfig()
  } catch (cause) {
    throw new Error('could not load settings', { cause })
  }
}
function caught(fn: () => void): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('coerceException', () => {
  it('keeps the name and message of real errors (the name, as PostHog SDKs read it: set it on subclasses)', () => {
    class PaymentDeclined extends Error {
      override name = 'PaymentDeclined'
    }
    expect(coerceException(new PaymentDeclined('card expired'))).toMatchObject({ type: 'PaymentDeclined', value: 'card expired', synthetic: false })
    class Unnamed extends Error {}
    expect(coerceException(new Unnamed('x')).type).toBe('Error')
    expect(coerceException(caught(() => JSON.parse('{')))).toMatchObject({ type: 'SyntaxError', synthetic: false })
  })

  it('marks strings, plain objects and primitives as synthetic', () => {
    expect(coerceException('disk full')).toMatchObject({ type: 'Error', value: 'disk full', synthetic: true, stack: undefined })
    expect(coerceException({ code: 'E1', detail: 'x' })).toMatchObject({ type: 'Error', value: 'Object captured as exception with keys: code, detail', synthetic: true })
    expect(coerceException({ name: 'HttpError', message: 'teapot' })).toMatchObject({ type: 'HttpError', value: "'HttpError' captured as exception with message: 'teapot'", synthetic: true })
    expect(coerceException({ message: 'only a message' })).toMatchObject({ type: 'Error', value: 'only a message' })
    expect(coerceException({ error: new RangeError('wrapped') })).toMatchObject({ type: 'RangeError', value: 'wrapped', synthetic: false })
    expect(coerceException('TypeError: x is not a function')).toMatchObject({ type: 'TypeError', value: 'x is not a function' })
    expect(coerceException(42)).toMatchObject({ value: 'Primitive value captured as exception: 42', synthetic: true })
    expect(coerceException(undefined).value).toBe('Primitive value captured as exception: undefined')
    expect(coerceException(Symbol('s')).value).toContain('Symbol(s)')
  })
})

describe('buildExceptionList', () => {
  it('lists the caught error first, then its cause, each with its own frames', () => {
    const list = buildExceptionList(caught(loadSettings), { handled: true })
    expect(list.map((e) => [e.type, e.value])).toEqual([
      ['Error', 'could not load settings'],
      ['SyntaxError', 'Unexpected token } in config'],
    ])
    expect(list[0].mechanism).toEqual({ handled: true, synthetic: false, type: 'generic', exception_id: 0 })
    expect(list[1].mechanism).toEqual({ synthetic: false, type: 'chained', exception_id: 1, parent_id: 0, source: 'cause' })
    expect(list[0].stacktrace?.type).toBe('raw')
    expect(list[0].stacktrace?.frames.at(-1)?.function).toBe('loadSettings')
    expect(list[1].stacktrace?.frames.at(-1)?.function).toBe('parseConfig')
  })

  it('expands AggregateError members', async () => {
    const results = await Promise.allSettled([Promise.reject(new RangeError('a')), Promise.reject('b')])
    const aggregate = new AggregateError(results.map((r) => (r as PromiseRejectedResult).reason), 'all failed')
    const list = buildExceptionList(aggregate, { handled: false, mechanismType: 'onunhandledrejection' })
    expect(list.map((e) => [e.type, e.value, e.mechanism.source, e.mechanism.parent_id])).toEqual([
      ['AggregateError', 'all failed', undefined, undefined],
      ['RangeError', 'a', 'member', 0],
      ['Error', 'b', 'member', 0],
    ])
    expect(list[0].mechanism.type).toBe('onunhandledrejection')
    expect(list[1].mechanism.type).toBe('chained')
    expect(list[2].mechanism.synthetic).toBe(true)
    expect(list[2].stacktrace).toBeUndefined()
  })

  it('stops on cause cycles', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    ;(a as { cause?: unknown }).cause = b
    expect(buildExceptionList(a, { handled: true }).map((e) => e.value)).toEqual(['a', 'b'])
  })
})

describe('exceptionProperties', () => {
  it('sends the list and level error, and no fingerprint of its own (PostHog groups issues)', () => {
    const props = exceptionProperties(buildExceptionList(caught(loadSettings), { handled: false }))
    expect(props.$exception_level).toBe('error')
    expect(props).not.toHaveProperty('$exception_fingerprint')
  })

  it('lets caller properties win, including a custom fingerprint', () => {
    const props = exceptionProperties(buildExceptionList(new Error('x'), { handled: true }), { $exception_fingerprint: 'mine', plan: 'pro' })
    expect(props.$exception_fingerprint).toBe('mine')
    expect(props.plan).toBe('pro')
  })
})

describe('ExceptionCapturer', () => {
  function setup(limiter = new ExceptionRateLimiter({ bucketSize: 10, refillRate: 1 })) {
    const sent: Array<{ distinctId: string | undefined; properties: Record<string, unknown> }> = []
    let n = 0
    const dropped: string[] = []
    const capturer = new ExceptionCapturer({
      capture: (distinctId, properties) => {
        sent.push({ distinctId, properties })
        return `uuid-${++n}`
      },
      limiter,
      onDropped: (_reason, type) => dropped.push(type),
    })
    return { capturer, sent, dropped }
  }

  it('captures an error object once and answers the same uuid afterwards', () => {
    const { capturer, sent } = setup()
    const error = new Error('once')
    expect(capturer.capture(error, 'u1', undefined)).toBe('uuid-1')
    expect(capturer.capture(error, 'u1', undefined)).toBe('uuid-1')
    expect(capturer.capturedAs(error)).toBe('uuid-1')
    expect(sent).toHaveLength(1)
    expect(sent[0].distinctId).toBe('u1')
  })

  it('rate-limits automatic captures per type, leaving explicit ones alone', () => {
    const { capturer, sent, dropped } = setup(new ExceptionRateLimiter({ bucketSize: 3, refillRate: 1, now: () => 0 }))
    for (let i = 0; i < 5; i++) capturer.capture(new TypeError('t'), undefined, undefined, { rateLimited: true })
    capturer.capture(new RangeError('r'), undefined, undefined, { rateLimited: true })
    capturer.capture(new TypeError('explicit'), undefined, undefined)
    const types = sent.map((s) => (s.properties.$exception_list as Array<{ type: string }>)[0].type)
    expect(types).toEqual(['TypeError', 'TypeError', 'RangeError', 'TypeError'])
    expect(dropped).toEqual(['TypeError', 'TypeError', 'TypeError'])
  })
})

describe('ExceptionRateLimiter', () => {
  it('refills one token per interval up to the bucket size', () => {
    let now = 0
    const limiter = new ExceptionRateLimiter({ bucketSize: 10, refillRate: 1, refillIntervalMs: 10_000, now: () => now })
    const burst = Array.from({ length: 12 }, () => limiter.consume('E'))
    expect(burst.filter((limited) => !limited)).toHaveLength(9)
    now += 10_000
    expect(limiter.consume('E')).toBe(true) // one token back, taking it empties the bucket
    now += 20_000
    expect(limiter.consume('E')).toBe(false)
    now += 1_000_000
    expect(Array.from({ length: 12 }, () => limiter.consume('E')).filter((l) => !l)).toHaveLength(9)
  })
})
