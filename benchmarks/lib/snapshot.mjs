// Copies the built hoglet and hoglet-server packages into a temporary folder at the start of
// a run, so that every round measures the same build even if `dist/` is rebuilt (and briefly
// emptied by the build's clean step) while the benchmarks run. Scenario processes find the
// copy through HOGLET_BENCH_MODULES; their other dependencies still come from the repository.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const PACKAGES = ['hoglet', 'hoglet-server']
/** The snapshot's one-line package (see copyPackages). */
export const WARMUP_PACKAGE = 'bench-loader-warmup'

/** Snapshots the built packages; returns the folder to pass as HOGLET_BENCH_MODULES. */
export async function snapshotBuiltPackages({ attempts = 10 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'hoglet-bench-'))
    try {
      copyPackages(dir)
      return dir
    } catch (error) {
      rmSync(dir, { recursive: true, force: true })
      if (attempt >= attempts) throw new Error(`could not copy the built packages: ${error.message}`)
      // A build is probably rewriting dist/ right now; wait for it to finish.
      await new Promise((resolve) => setTimeout(resolve, 3_000))
    }
  }
}

function copyPackages(dir) {
  const modules = join(dir, 'node_modules')
  const linked = new Set(PACKAGES)
  for (const name of PACKAGES) {
    const source = join(repoRoot, 'packages', name)
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'))
    const entry = join(source, manifest.main ?? 'dist/index.js')
    if (!existsSync(entry)) throw new Error(`${name} is not built (${entry} is missing)`)
    mkdirSync(join(modules, name), { recursive: true })
    cpSync(join(source, 'package.json'), join(modules, name, 'package.json'))
    cpSync(join(source, 'dist'), join(modules, name, 'dist'), { recursive: true })
    if (!existsSync(join(modules, name, manifest.main ?? 'dist/index.js'))) throw new Error(`${name}/dist changed while copying`)
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (linked.has(dep)) continue
      linked.add(dep)
      const installed = join(repoRoot, 'node_modules', dep)
      if (!existsSync(installed)) continue // an optional dependency that is not installed
      mkdirSync(dirname(join(modules, dep)), { recursive: true }) // scoped names: @scope/name
      symlinkSync(installed, join(modules, dep), 'dir')
    }
  }
  // Imports made from this file resolve bare names against the snapshot's node_modules.
  writeFileSync(join(dir, 'load.mjs'), 'export default (name) => import(name)\n')
  // A one-line package that is neither library's: cold-start imports it first, so that Node's
  // one-time work for the first package import of a process is not charged to either library.
  const warmup = join(modules, WARMUP_PACKAGE)
  mkdirSync(warmup, { recursive: true })
  writeFileSync(join(warmup, 'package.json'), `${JSON.stringify({ name: WARMUP_PACKAGE, type: 'module', exports: { '.': { import: './index.js' } } })}\n`)
  writeFileSync(join(warmup, 'index.js'), 'export default 1\n')
}

export function removeSnapshot(dir) {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * Imports `name` from the snapshot when the runner made one (hoglet, hoglet-server), else
 * from the repository's workspace links.
 */
export async function importPackage(name) {
  const dir = process.env.HOGLET_BENCH_MODULES
  // A subpath (`hoglet/redis`) comes from the same snapshot as its package.
  if (dir && PACKAGES.includes(name.split('/')[0])) {
    const load = (await import(pathToFileURL(join(dir, 'load.mjs')).href)).default
    return load(name)
  }
  return import(name)
}
