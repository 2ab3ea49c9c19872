#!/usr/bin/env node
// Turns the JSON a run wrote (`npm run bench -- --json bench.json`) into the Markdown table
// kept in docs/benchmarks.md, so the published figures are copied, not retyped.
//   node benchmarks/lib/figures-table.mjs bench.json
import { readFileSync } from 'node:fs'
import { SCENARIOS } from './catalogue.mjs'

const run = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const fmt = (v, digits) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–'

const m = run.machine
console.log(
  `One run of ${run.rounds} rounds (medians), ${m.date.slice(0, 10)}, commit \`${m.commit}\`: ${m.cpu}, ${m.cores} cores, ` +
    `Node ${m.node}, ${m.platform}, load average at start ${m.loadAverage}.\n`,
)
console.log('| Figure | hoglet | posthog-node | hoglet ÷ posthog-node |')
console.log('|---|---:|---:|---:|')
for (const scenario of SCENARIOS) {
  const out = run.scenarios[scenario.name]
  if (!out) continue
  for (const metric of scenario.metrics) {
    const h = out.figures.hoglet?.[metric.key]
    const p = out.figures['posthog-node']?.[metric.key]
    const ratio = typeof h === 'number' && typeof p === 'number' && p !== 0 ? (h / p).toFixed(3) : '–'
    console.log(`| ${scenario.name}: ${metric.label} | ${fmt(h, metric.digits)} | ${fmt(p, metric.digits)} | ${ratio} |`)
  }
}
console.log('\n| Target | Result | |')
console.log('|---|---|---|')
for (const scenario of SCENARIOS) {
  for (const t of run.scenarios[scenario.name]?.targets ?? []) {
    console.log(`| ${t.label} | ${t.shown} | ${t.informative ? 'INFO' : t.pass ? '**PASS**' : '**FAIL**'} |`)
  }
}
const agreement = run.scenarios['flags-local-all']?.agreement
if (agreement) {
  console.log(
    agreement.differ.length === 0
      ? `\nBoth libraries gave the same value and payload for all ${agreement.flags} flags for each of the 200 users checked.`
      : `\nThe libraries' values or payloads differed for ${agreement.differ.join(', ')}.`,
  )
}
