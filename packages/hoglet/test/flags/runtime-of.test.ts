import { describe, expect, it } from 'vitest'
import { runtimeOf } from '../../src/flags/loaded-definitions.js'
import type { FlagDefinition } from '../../src/engine/types.js'

const flag = (evaluation_runtime: unknown) => ({ key: 'f', filters: {}, evaluation_runtime }) as unknown as FlagDefinition

describe("a definition's evaluation runtime, read as PostHog's server reads it", () => {
  it('client and server in any case; anything else, or nothing, means every runtime', () => {
    expect([flag('client'), flag('CLIENT'), flag('Server'), flag('server')].map(runtimeOf)).toEqual(['client', 'client', 'server', 'server'])
    expect([flag('all'), flag('edge'), flag(''), flag(null), flag(undefined), flag(7)].map(runtimeOf)).toEqual(['all', 'all', 'all', 'all', 'all', 'all'])
  })
})
