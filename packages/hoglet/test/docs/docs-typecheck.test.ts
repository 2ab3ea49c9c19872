/**
 * Every TypeScript block (```ts) of README.md and docs/*.md type-checks (tsc --strict) against
 * the built packages. Each block is its own module; the names a snippet uses without defining
 * (your app, your request, your functions) are declared once in ./doc-globals.d.ts and ./doc-modules.d.ts.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runTsc, strictCompilerOptions } from '../helpers/strict-tsc.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../../../..')
const work = join(root, 'test-output/docs-blocks')

/** The ```ts blocks of a Markdown file, with their starting line. */
export function typeScriptBlocks(markdown: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') })
    i = end
  }
  return blocks
}

const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

describe('TypeScript in the documentation type-checks', () => {
  it('every ```ts block of README.md and docs/*.md compiles', () => {
    rmSync(work, { recursive: true, force: true })
    mkdirSync(work, { recursive: true })
    const files: string[] = ['doc-globals.d.ts', 'doc-modules.d.ts']
    for (const file of files) copyFileSync(join(here, file), join(work, file))
    const origin = new Map<string, string>()
    for (const doc of documents) {
      for (const block of typeScriptBlocks(readFileSync(join(root, doc), 'utf8'))) {
        const name = `${doc.replace(/\W+/g, '_')}_line${block.line}.ts`
        // `export {}` keeps each block its own module, whatever it contains.
        writeFileSync(join(work, name), `${block.code}\nexport {}\n`)
        files.push(name)
        origin.set(name, `${doc}:${block.line}`)
      }
    }
    expect(files.length).toBeGreaterThan(10)
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: strictCompilerOptions(root),
        files,
      }),
    )
    // Name each error after the document line its block starts on.
    const report = runTsc(root, 'tsconfig.json', work).replace(/^(\S+?\.ts)\((\d+),(\d+)\)/gm, (_m, file: string, line: string) => `${origin.get(file) ?? file} (+${Number(line) - 1} lines)`)
    expect(report.trim()).toBe('')
  }, 120_000)
})
