// Reads the relative import graph of a source tree (static imports, re-exports, side-effect and
// dynamic imports, type-only ones included: a type cycle is still a cycle for a reader).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

export type ImportGraph = Map<string, string[]>

const SPECIFIERS = [
  /\b(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gs,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
]

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
}

/** Every import specifier written in one module, in order of appearance. */
export function importSpecifiers(source: string): string[] {
  const text = stripComments(source)
  const found: Array<[number, string]> = []
  for (const pattern of SPECIFIERS) for (const m of text.matchAll(pattern)) found.push([m.index ?? 0, m[1]!])
  return found.sort((a, b) => a[0] - b[0]).map(([, s]) => s)
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier)
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]
  return candidates.find((c) => existsSync(c)) ?? base
}

/** Module (path relative to `root`) → the modules it imports; bare specifiers are kept as written. */
export function readImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map()
  for (const file of sourceFiles(root)) {
    const targets = importSpecifiers(readFileSync(file, 'utf8')).map((s) =>
      s.startsWith('.') ? relative(root, resolveRelative(file, s)) : s,
    )
    graph.set(relative(root, file), [...new Set(targets)])
  }
  return graph
}

/** Every strongly connected set of more than one module, or a module importing itself. */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const members: string[] = []
    let top: string
    do {
      top = stack.pop()!
      onStack.delete(top)
      members.push(top)
    } while (top !== node)
    if (members.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(members.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return cycles
}
