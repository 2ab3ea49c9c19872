import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/**
 * The strict compiler options a user's TypeScript project typically has (bundler resolution,
 * Node's types from the repository), for tests that compile code against the built package.
 */
export function strictCompilerOptions(root: string): Record<string, unknown> {
  return {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    module: 'ESNext',
    moduleResolution: 'Bundler',
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
  }
}

/** Runs the repository's tsc on a project file; the compiler's output, trimmed (empty when clean). */
export function runTsc(root: string, project: string, cwd?: string): string {
  const result = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd, encoding: 'utf8' })
  return `${result.stdout}${result.stderr}`.trim()
}
