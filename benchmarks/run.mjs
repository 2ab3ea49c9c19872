#!/usr/bin/env node
// Runs every scenario for hoglet and posthog-node, each run in a fresh `node` process, in
// interleaved rounds (the order of the libraries flips every round so that a noisy
// neighbour hurts both alike), then prints the median of the rounds and the ratios.
//
//   npm run bench                      all scenarios
//   npm run bench -- capture flags     only scenarios whose name contains a word given
//   npm run bench -- --rounds 5        more rounds (default 3)
//   npm run bench -- --json out.json   also write the figures as JSON
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { SCENARIOS, judge } from './lib/catalogue.mjs'
import { median } from './lib/scenario.mjs'
import { removeSnapshot, snapshotBuiltPackages } from './lib/snapshot.mjs'

const SCENARIO_TIMEOUT_MS = 240_000

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, json: { type: 'string' } },
  allowPositionals: true,
})
const rounds = Number(values.rounds)
if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError('--rounds must be a positive integer')

const selected = SCENARIOS.filter((s) => positionals.length === 0 || positionals.some((w) => s.name.includes(w)))
if (selected.length === 0) {
  console.error(`no scenario matches ${positionals.join(' ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`)
  process.exit(2)
}

function machineInfo() {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    date: new Date().toISOString(),
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || 'unknown',
  }
}

/** Runs one scenario for one library in a fresh process; resolves with its JSON line. */
function runOnce(scenario, lib) {
  const file = fileURLToPath(new URL(`./scenarios/${scenario.file}`, import.meta.url))
  const nodeArgs = scenario.exposeGc ? ['--expose-gc', file] : [file]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, '--lib', lib, ...(scenario.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${SCENARIO_TIMEOUT_MS / 1000} s`
      child.kill('SIGKILL')
    }, SCENARIO_TIMEOUT_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'))
      if (code === 0 && line) {
        try {
          return resolve({ ok: true, result: JSON.parse(line) })
        } catch {}
      }
      const meaningful = stderr.split('\n').filter((l) => l.trim() && !/^\s+at |^Node\.js v|^\s*\^+\s*$/.test(l))
      const why = meaningful.slice(-1).join('').trim() || `exit code ${code}`
      resolve({ ok: false, error: why })
    })
  })
}

const fmt = (value, digits) =>
  typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-'

function printTable(scenario, figures, errors) {
  const libs = scenario.libs
  const header = ['figure (median of rounds)', ...libs, ...(libs.length > 1 ? ['hoglet ÷ posthog-node'] : [])]
  const rows = scenario.metrics.map((m) => {
    const cells = libs.map((lib) => fmt(figures[lib]?.[m.key], m.digits))
    const h = figures.hoglet?.[m.key]
    const p = figures['posthog-node']?.[m.key]
    if (libs.length > 1) cells.push(typeof h === 'number' && typeof p === 'number' && p !== 0 ? `${(h / p).toFixed(3)}` : '-')
    return [m.label, ...cells]
  })
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => String(r[c]).length)))
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ')
  console.log(`\n## ${scenario.name}`)
  console.log(line(header))
  for (const r of rows) console.log(line(r))
  for (const [lib, list] of Object.entries(errors)) if (list.length) console.log(`  ${lib} failed ${list.length}×: ${list[0]}`)
}

/** For flags-local-all: did both libraries give the same value for each flag and user? */
function digestAgreement(samples) {
  const h = samples.hoglet?.[0]?.digests
  const p = samples['posthog-node']?.[0]?.digests
  if (!h || !p) return undefined
  const keys = [...new Set([...Object.keys(h), ...Object.keys(p)])].sort()
  const differ = keys.filter((k) => h[k] !== p[k])
  return { flags: keys.length, differ }
}

const runStart = Date.now()
const info = machineInfo()
console.log(`hoglet benchmarks · ${info.date} · commit ${info.commit}`)
console.log(`machine: ${info.cpu} · ${info.cores} cores · Node ${info.node} · ${info.platform} · load ${info.loadAverage}`)
console.log(`${rounds} rounds per scenario, library order alternating; each run is a fresh process`)

const snapshot = await snapshotBuiltPackages()
const childEnv = { ...process.env, HOGLET_BENCH_MODULES: snapshot }
process.on('exit', () => removeSnapshot(snapshot))
process.on('SIGINT', () => process.exit(130))

const verdicts = []
const output = { machine: info, rounds, scenarios: {} }
for (const scenario of selected) {
  const samples = Object.fromEntries(scenario.libs.map((lib) => [lib, []]))
  const errors = Object.fromEntries(scenario.libs.map((lib) => [lib, []]))
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? scenario.libs : [...scenario.libs].reverse()
    for (const lib of order) {
      process.stdout.write(`  ${scenario.name} round ${round + 1}/${rounds}: ${lib} … `)
      const started = Date.now()
      const run = await runOnce(scenario, lib)
      if (run.ok) samples[lib].push(run.result)
      else errors[lib].push(run.error)
      const took = `${((Date.now() - started) / 1000).toFixed(1)} s`
      console.log(run.ok ? `ok (${took})` : `FAILED after ${took} (${run.error})`)
    }
  }
  const figures = {}
  for (const lib of scenario.libs) {
    if (samples[lib].length === 0) continue
    figures[lib] = {}
    for (const m of scenario.metrics) {
      const vals = samples[lib].map((r) => r[m.key]).filter((v) => typeof v === 'number')
      if (vals.length) figures[lib][m.key] = median(vals)
    }
  }
  printTable(scenario, figures, errors)
  for (const lib of scenario.libs) {
    const remote = samples[lib].reduce((n, r) => n + (r.remoteFlagsRequests ?? 0), 0)
    if (remote > 0) console.log(`  note: ${lib} made ${remote} remote /flags requests (local evaluation was inconclusive)`)
  }
  const scenarioOut = { figures, errors, targets: [] }
  if (scenario.compareDigests) {
    const agreement = digestAgreement(samples)
    if (agreement) {
      scenarioOut.agreement = agreement
      console.log(
        agreement.differ.length === 0
          ? `  same values and payloads from both libraries for all ${agreement.flags} flags over 200 users`
          : `  values or payloads differ between the libraries for ${agreement.differ.length} of ${agreement.flags} flags: ${agreement.differ.join(', ')}`,
      )
    }
  }
  for (const target of scenario.targets) {
    const verdict = judge(target, figures)
    const entry = { label: target.label, informative: target.informative === true, ...verdict }
    verdicts.push(entry)
    scenarioOut.targets.push(entry)
  }
  output.scenarios[scenario.name] = scenarioOut
}

console.log('\n## Targets')
for (const v of verdicts) console.log(`${v.informative ? 'INFO' : v.pass ? 'PASS' : 'FAIL'}  ${v.label}: ${v.shown}`)
console.log(`\n(${Math.round((Date.now() - runStart) / 1000)} s in all)`)
if (values.json) writeFileSync(values.json, `${JSON.stringify(output, null, 2)}\n`)
