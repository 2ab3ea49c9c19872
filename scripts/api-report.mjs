#!/usr/bin/env node
// The public API report: one API Extractor report per entry point of packages/hoglet
// ("exports" in its package.json), kept in packages/hoglet/api/<entry>.api.md.
//
//   node scripts/api-report.mjs            check: fails when the built declarations' public API
//                                          differs from the committed reports (prints the diff)
//   node scripts/api-report.mjs --update   rewrite the reports (npm run api:update builds first)
//   --package <dir>                        check another built copy of the package (tests)
//   --entry <name>                         only this entry point (repeatable; e.g. index, next)
//
// Reads the built declarations (dist/*.d.ts), so run `npm run build` first.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const update = args.includes('--update')
const packageArg = args.indexOf('--package')
const packageDir = packageArg >= 0 ? resolve(args[packageArg + 1]) : join(root, 'packages/hoglet')
const only = args.flatMap((arg, i) => (arg === '--entry' ? [args[i + 1]] : []))
const reportDir = join(root, 'packages/hoglet/api')
const tempDir = join(root, 'test-output/api-report', relative(root, packageDir).replace(/[\\/.]+/g, '_') || 'package')

/** Entry name → declaration file, from package.json "exports" (`.` is `index`). */
function entryPoints() {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))
  const entries = []
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'object' ? target.import?.types : undefined
    if (types === undefined) continue
    entries.push({ name: subpath === '.' ? 'index' : subpath.replace(/^\.\//, ''), types: join(packageDir, types) })
  }
  return entries
}

// Messages about doc-comment syntax and release tags are not about the surface: left out.
const messages = {
  compilerMessageReporting: { default: { logLevel: 'warning' } },
  extractorMessageReporting: {
    default: { logLevel: 'none', addToApiReportFile: false },
    'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
    'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: false },
  },
  tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
}

function runEntry(entry) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: packageDir,
      mainEntryPointFilePath: entry.types,
      bundledPackages: [],
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            strict: true,
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            module: 'ESNext',
            moduleResolution: 'Bundler',
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [join(root, 'node_modules/@types')],
          },
          files: [entry.types],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: `${entry.name}.api.md`,
        reportFolder: reportDir,
        reportTempFolder: tempDir,
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages,
    },
    configObjectFullPath: join(packageDir, 'api-extractor.json'),
    packageJsonFullPath: join(packageDir, 'package.json'),
  })
  const problems = []
  const result = Extractor.invoke(config, {
    localBuild: update,
    messageCallback(message) {
      // A changed report is reported below, with its diff; errors are kept for the summary.
      if (message.logLevel === 'error') problems.push(message.text)
      message.handled = true
    },
  })
  return { result, problems }
}

function diff(expectedFile, actualFile) {
  const expected = existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8').split('\n') : []
  const actual = readFileSync(actualFile, 'utf8').split('\n')
  const gone = new Set(actual)
  const added = new Set(expected)
  const lines = []
  for (const line of expected) if (!gone.has(line)) lines.push(`- ${line}`)
  for (const line of actual) if (!added.has(line)) lines.push(`+ ${line}`)
  return lines.slice(0, 40).join('\n')
}

rmSync(tempDir, { recursive: true, force: true })
mkdirSync(tempDir, { recursive: true })
mkdirSync(reportDir, { recursive: true })
const entries = entryPoints().filter((e) => only.length === 0 || only.includes(e.name))
if (entries.length === 0) {
  console.error(`api-report: no entry point named ${only.join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const entry of entries) {
  if (!existsSync(entry.types)) {
    console.error(`api-report: ${relative(root, entry.types)} is missing; run npm run build first`)
    process.exit(1)
  }
  const { result, problems } = runEntry(entry)
  const file = `${entry.name}.api.md`
  if (problems.length > 0) {
    failed++
    console.error(`api-report: ${file}: ${problems.join('; ')}`)
  } else if (result.apiReportChanged && !update) {
    failed++
    console.error(`api-report: the public API of ${entry.name === 'index' ? 'hoglet' : `hoglet/${entry.name}`} changed; ${file} is out of date.`)
    console.error(diff(join(reportDir, file), join(tempDir, file)))
  } else if (result.apiReportChanged) console.log(`api-report: updated packages/hoglet/api/${file}`)
}
// A report whose entry point no longer exists is stale too.
const names = new Set(entryPoints().map((e) => `${e.name}.api.md`))
for (const file of readdirSync(reportDir)) {
  if (!file.endsWith('.api.md') || names.has(file)) continue
  if (update) {
    rmSync(join(reportDir, file))
    console.log(`api-report: removed packages/hoglet/api/${file} (no such entry point)`)
  } else {
    failed++
    console.error(`api-report: packages/hoglet/api/${file} has no entry point in package.json "exports"`)
  }
}
if (failed > 0) {
  console.error(`\napi-report: ${failed} of ${entries.length} entry points differ. If the change is intended, run \`npm run api:update\` and commit packages/hoglet/api/.`)
  process.exit(1)
}
console.log(`api-report: ${entries.length} entry points ${update ? 'written' : 'match packages/hoglet/api/'}`)
