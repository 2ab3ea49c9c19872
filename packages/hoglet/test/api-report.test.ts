/**
 * The public API report (`scripts/api-report.mjs`, API Extractor): the built declarations of
 * every entry point must match `packages/hoglet/api/*.api.md`, and a change to the surface, in
 * an entry's own file or in the declarations it imports, must fail the check and show the difference.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const script = join(root, 'scripts/api-report.mjs')
const copies: string[] = []
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true })
})

function check(...args: string[]): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' })
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}

/** A copy of the built package (package.json and dist) to change. */
function packageCopy(): string {
  mkdirSync(join(root, 'test-output'), { recursive: true })
  const dir = mkdtempSync(join(root, 'test-output/api-copy-'))
  copies.push(dir)
  cpSync(join(root, 'packages/hoglet/package.json'), join(dir, 'package.json'))
  cpSync(join(root, 'packages/hoglet/dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') })
  return dir
}

describe('public API report', () => {
  it('every entry point matches its committed report', () => {
    const { code, output } = check()
    expect(output).toContain('entry points match packages/hoglet/api/')
    expect(code).toBe(0)
  }, 300_000)

  it('fails when an entry gains an export, naming the entry and the new line', () => {
    const dir = packageCopy()
    const unchanged = check('--package', dir, '--entry', 'next')
    expect(unchanged.code, unchanged.output).toBe(0)
    writeFileSync(join(dir, 'dist/next.d.ts'), `${readFileSync(join(dir, 'dist/next.d.ts'), 'utf8')}\nexport declare function addedByTheTest(): void;\n`)
    const { code, output } = check('--package', dir, '--entry', 'next')
    expect(code).toBe(1)
    expect(output).toContain('the public API of hoglet/next changed; next.api.md is out of date')
    expect(output).toContain('+ export function addedByTheTest(): void;')
    expect(output).toContain('npm run api:update')
  }, 300_000)

  it('fails when a method signature in the declarations changes (the entry file or a chunk it imports)', () => {
    const dir = packageCopy()
    const files = readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.d.ts') && readFileSync(join(dir, 'dist', f), 'utf8').includes('    flush(): Promise<void>;'))
    expect(files.length, 'declarations with the client\'s flush()').toBeGreaterThan(0)
    for (const name of files) {
      const file = join(dir, 'dist', name)
      writeFileSync(file, readFileSync(file, 'utf8').replace('    flush(): Promise<void>;', '    flush(): Promise<number>;'))
    }
    const { code, output } = check('--package', dir, '--entry', 'index')
    expect(code).toBe(1)
    expect(output).toContain('the public API of hoglet changed; index.api.md is out of date')
    expect(output).toContain('-     flush(): Promise<void>;')
    expect(output).toContain('+     flush(): Promise<number>;')
  }, 300_000)
})
