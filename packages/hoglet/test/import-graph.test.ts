import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findCycles, importSpecifiers, readImportGraph } from './import-graph.js'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

describe('the SDK import graph', () => {
  const graph = readImportGraph(SRC)

  it('reads every module', () => {
    expect(graph.has('client.ts')).toBe(true)
    expect(graph.get('client.ts')).toContain('flags/lazy-flags.ts')
    expect(graph.get('flags/lazy-flags.ts')).toContain('flags/feature-flags-client.ts')
  })

  it('has no import cycle (type-only imports included)', () => {
    expect(findCycles(graph)).toEqual([])
  })

  it('keeps the flag engine importing nothing outside src/engine', () => {
    const outside: string[] = []
    for (const [module, targets] of graph) {
      if (!module.startsWith('engine/')) continue
      for (const target of targets) if (!target.startsWith('engine/')) outside.push(`${module} → ${target}`)
    }
    expect(graph.has('engine/engine.ts')).toBe(true)
    expect(outside).toEqual([])
  })
})

describe('the import-graph reader', () => {
  it('sees static, type-only, re-export, multi-line, side-effect and dynamic imports, not comments', () => {
    const source = [
      "import { a } from './a.js'",
      "import type { B } from '../b.js'",
      "export { c } from './c.js'",
      'import {\n  d,\n  e,\n} from "./d.js"',
      "import './side-effect.js'",
      "const m = await import('./lazy.js')",
      "// import { x } from './commented.js'",
      "/* export * from './block.js' */",
    ].join('\n')
    expect(importSpecifiers(source)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './side-effect.js', './lazy.js'])
  })

  it('finds a cycle through several modules and a self-import, and none in a tree', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ])
    expect(findCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']])
    const tree = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['node:fs']],
    ])
    expect(findCycles(tree)).toEqual([])
  })
})
