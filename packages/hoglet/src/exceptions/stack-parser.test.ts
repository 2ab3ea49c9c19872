import { describe, expect, it } from 'vitest'
import { isInApp, parseStack } from './stack-parser.js'

function thrownBy(fn: () => void): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected fn to throw')
}

function innermostThrower(): never {
  throw new TypeError('bad input')
}
function outerCaller(): void {
  innermostThrower()
}

describe('parseStack on real V8 stacks', () => {
  it('orders frames from the outermost call to the throw site', () => {
    const frames = parseStack(thrownBy(outerCaller).stack)
    const names = frames.map((f) => f.function)
    const inner = names.lastIndexOf('innermostThrower')
    const outer = names.lastIndexOf('outerCaller')
    expect(inner).toBe(frames.length - 1)
    expect(outer).toBe(frames.length - 2)
  })

  it('gives file, line and column of the throw site, marked in-app', () => {
    const frames = parseStack(thrownBy(outerCaller).stack)
    const top = frames[frames.length - 1]
    expect(top.filename).toMatch(/^\/.*stack-parser\.test\.ts$/)
    expect(top.lineno).toBeGreaterThan(10)
    expect(top.colno).toBeGreaterThan(0)
    expect(top.in_app).toBe(true)
    expect(top.platform).toBe('node:javascript')
  })

  it('marks node internals and dependencies as not in-app', async () => {
    // A frame from node:internal via a timer callback, and one from vitest in node_modules.
    const error = await new Promise<Error>((resolve) => setTimeout(() => resolve(new Error('x')), 0))
    const frames = parseStack(error.stack)
    const internal = frames.find((f) => f.filename.startsWith('node:'))
    expect(internal?.in_app).toBe(false)
    const deep = parseStack(new Error('y').stack)
    expect(deep.some((f) => f.filename.includes('/node_modules/') && f.in_app === false)).toBe(true)
  })

  it('keeps method names and aliases, strips async, names module code as PostHog does', async () => {
    class Service {
      async load(): Promise<never> {
        await Promise.resolve()
        throw new Error('load failed')
      }
    }
    const svc = new Service()
    const alias = { run: svc.load.bind(svc) }
    const error = await alias.run().catch((e: Error) => e)
    const names = parseStack(error.stack).map((f) => f.function)
    expect(names).toContain('Service.load')
    expect(names.every((n) => !n.startsWith('async '))).toBe(true)
    expect(parseStack('Error: x\n    at Foo.bar [as baz] (/app/a.js:1:2)')[0].function).toBe('Foo.bar [as baz]')
    expect(parseStack('Error: x\n    at Object.<anonymous> (/app/a.js:1:2)')[0].function).toBe('Object.?')
    expect(parseStack('Error: x\n    at Object..Module._compile (node:internal/modules/cjs/loader:1:2)')[0].function).toBe('Module._compile')
    expect(parseStack('Error: x\n    at run (app.js:1:2)')[0].in_app).toBe(false)
  })

  it('parses anonymous, eval, file-URL and native frames', () => {
    const stack = [
      'Error: boom',
      '    at /app/src/server.js:10:5',
      '    at eval (eval at compile (/app/src/template.js:3:9), <anonymous>:1:7)',
      '    at file:///app/src/my%20mod.mjs:4:2',
      '    at Array.map (<anonymous>)',
      '    at Promise.all (index 0)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n')
    const frames = parseStack(stack).reverse()
    expect(frames[0]).toMatchObject({ function: '?', filename: '/app/src/server.js', lineno: 10, colno: 5, in_app: true })
    expect(frames[1]).toMatchObject({ function: 'eval', filename: '/app/src/template.js', lineno: 3, colno: 9 })
    expect(frames[2]).toMatchObject({ filename: '/app/src/my mod.mjs', lineno: 4, in_app: true })
    expect(frames[3]).toMatchObject({ function: 'Array.map', filename: '<anonymous>', in_app: false })
    expect(frames[4]).toMatchObject({ function: 'Promise.all', filename: 'node:internal/promise', in_app: false })
    expect(frames[5]).toMatchObject({ filename: 'node:internal/process/task_queues', lineno: 95, in_app: false })
  })

  it('parses SpiderMonkey and JavaScriptCore stacks', () => {
    const stack = ['handler@http://localhost:3000/app.js:12:9', '@http://localhost:3000/app.js:30:1', 'dispatch@/app/node_modules/lib/index.js:5:3'].join('\n')
    const frames = parseStack(stack)
    expect(frames.map((f) => [f.function, f.lineno, f.in_app])).toEqual([
      ['dispatch', 5, false],
      ['?', 30, true],
      ['handler', 12, true],
    ])
  })

  it('does not mistake a message containing @ for a frame', () => {
    const frames = parseStack('Error: no account for bob@http://mail.test:25\n    at login (/app/auth.js:3:9)')
    expect(frames.map((f) => f.function)).toEqual(['login'])
  })

  it('returns no frames for missing or frame-less stacks', () => {
    expect(parseStack(undefined)).toEqual([])
    expect(parseStack('Error: only a message')).toEqual([])
  })

  it('classifies paths', () => {
    expect(isInApp('/srv/app/index.js')).toBe(true)
    expect(isInApp('/srv/app/node_modules/express/lib/router.js')).toBe(false)
    expect(isInApp('C:\\app\\node_modules\\x\\y.js')).toBe(false)
    expect(isInApp('node:internal/timers')).toBe(false)
    expect(isInApp('ext:core/01_core.js')).toBe(false)
  })
})
