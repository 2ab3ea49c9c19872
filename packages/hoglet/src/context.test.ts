import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ContextManager, type ContextData, type ContextOptions } from './context.js'

/** What the client's `withContext` does: the scope, then the function inside it. */
function run<T>(contexts: ContextManager, data: ContextData, fn: () => T, options?: ContextOptions): T {
  return contexts.runIn(contexts.scope(data, options), fn)
}

const manager = () => new ContextManager(new AsyncLocalStorage<Readonly<ContextData>>())

describe('ContextManager', () => {
  it('is undefined outside any scope', () => {
    expect(manager().get()).toBeUndefined()
  })

  it('keeps a scope across awaits and timers', async () => {
    const contexts = manager()
    const seen = await run(contexts, { distinctId: 'u1', sessionId: 's1' }, async () => {
      await sleep(5)
      return new Promise<Readonly<ContextData> | undefined>((resolve) => setTimeout(() => resolve(contexts.get()), 1))
    })
    expect(seen).toEqual({ distinctId: 'u1', sessionId: 's1' })
    expect(contexts.get()).toBeUndefined()
  })

  it('merges nested scopes: ids inherited unless set, properties combined with the child winning', () => {
    const contexts = manager()
    run(contexts, { distinctId: 'parent', sessionId: 's', deviceId: 'd', properties: { plan: 'free', region: 'eu' } }, () => {
      run(contexts, { distinctId: 'child', properties: { plan: 'pro' } }, () => {
        expect(contexts.get()).toEqual({ distinctId: 'child', sessionId: 's', deviceId: 'd', properties: { plan: 'pro', region: 'eu' } })
      })
      expect(contexts.get()?.distinctId).toBe('parent')
    })
  })

  it('starts from nothing with fresh', () => {
    const contexts = manager()
    run(contexts, { distinctId: 'parent', properties: { a: 1 } }, () => {
      run(contexts, { sessionId: 'only' }, () => expect(contexts.get()?.distinctId).toBe('parent'))
      run(contexts, { sessionId: 'only' }, () => expect(contexts.get()).toEqual({ sessionId: 'only' }), { fresh: true })
    })
  })

  it('isolates concurrent scopes from each other', async () => {
    const contexts = manager()
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        run(contexts, { distinctId: `user-${i}` }, async () => {
          await sleep(Math.floor(Math.random() * 10))
          return contexts.get()?.distinctId
        }),
      ),
    )
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => `user-${i}`))
  })

  it('enters a scope for the rest of an async function', async () => {
    const contexts = manager()
    const inner = async () => {
      contexts.enter({ distinctId: 'entered', properties: { via: 'enter' } })
      await sleep(1)
      return contexts.get()
    }
    await expect(inner()).resolves.toEqual({ distinctId: 'entered', properties: { via: 'enter' } })
  })

  it('freezes scopes so a caller cannot change another request', () => {
    const contexts = manager()
    run(contexts, { properties: { a: 1 } }, () => {
      expect(Object.isFrozen(contexts.get())).toBe(true)
      expect(Object.isFrozen(contexts.get()?.properties)).toBe(true)
    })
  })

  it('just runs the function where the runtime has no async storage', () => {
    const contexts = new ContextManager(undefined)
    expect(run(contexts, { distinctId: 'x' }, () => 7)).toBe(7)
    contexts.enter({ distinctId: 'x' })
    expect(contexts.get()).toBeUndefined()
  })
})
