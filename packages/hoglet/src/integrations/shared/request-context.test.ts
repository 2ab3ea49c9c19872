import { describe, expect, it } from 'vitest'
import { clientIp, errorStatus, isServerError, requestContext, resolveRequestOptions, sanitizeHeaderValue, type RequestFacts } from './request-context.js'

const facts = (headers: Record<string, string>, remoteAddress?: string): RequestFacts => ({
  method: 'GET',
  url: 'http://shop.test/cart?x=1',
  path: '/cart',
  header: (name) => headers[name],
  remoteAddress,
})

describe('request context helpers', () => {
  it('cleans header values', () => {
    expect(sanitizeHeaderValue('  abc\u0000\u009f ')).toBe('abc')
    expect(sanitizeHeaderValue('x'.repeat(1500))).toHaveLength(1000)
    expect(sanitizeHeaderValue(' \t ')).toBeUndefined()
    expect(sanitizeHeaderValue(['a'])).toBeUndefined()
  })

  it('takes the client address from X-Forwarded-For, X-Real-IP, then the socket', () => {
    expect(clientIp(facts({ 'x-forwarded-for': '198.51.100.7, 10.0.0.2' }, '10.0.0.1'))).toBe('198.51.100.7')
    expect(clientIp(facts({ 'x-real-ip': '198.51.100.8' }, '10.0.0.1'))).toBe('198.51.100.8')
    expect(clientIp(facts({}, '10.0.0.1'))).toBe('10.0.0.1')
  })

  it('builds the scope: header id over the option, request properties, extra properties', () => {
    const options = resolveRequestOptions<string>({ distinctId: (req) => `option-${req}`, properties: () => ({ tenant: 'acme' }) })
    expect(requestContext('r', facts({ 'user-agent': 'UA/1' }), options)).toEqual({
      distinctId: 'option-r',
      properties: { $current_url: 'http://shop.test/cart?x=1', $request_method: 'GET', $request_path: '/cart', $user_agent: 'UA/1', $raw_user_agent: 'UA/1', tenant: 'acme' },
    })
    expect(requestContext('r', facts({ 'x-posthog-distinct-id': 'hdr', 'x-posthog-session-id': 'sess' }), options)).toMatchObject({ distinctId: 'hdr', sessionId: 'sess' })
  })

  it('treats a throwing distinctId or properties callback as no answer', () => {
    const options = resolveRequestOptions<string>({
      distinctId: () => {
        throw new Error('no session store')
      },
      properties: () => {
        throw new Error('oops')
      },
    })
    const scope = requestContext('r', facts({}), options)
    expect(scope.distinctId).toBeUndefined()
    expect(scope.properties?.$request_path).toBe('/cart')
  })

  it('rejects bad options at creation, naming the option', () => {
    expect(() => resolveRequestOptions({ distinctId: 'user' as never })).toThrow(new TypeError('The `distinctId` option must be a function.'))
    expect(() => resolveRequestOptions({ flushTimeoutMs: -1 })).toThrow(RangeError)
    expect(() => resolveRequestOptions({ requestEventName: '' })).toThrow(/`requestEventName`/)
  })

  it('captures server errors only', () => {
    expect(errorStatus({ status: 404 })).toBe(404)
    expect(errorStatus({ statusCode: 503 })).toBe(503)
    expect(isServerError(new Error('x'))).toBe(true)
    expect(isServerError(Object.assign(new Error('gone'), { status: 404 }))).toBe(false)
    expect(isServerError(Object.assign(new Error('down'), { statusCode: 502 }))).toBe(true)
  })
})
