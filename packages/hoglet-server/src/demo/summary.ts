import type { RunningServer } from '../server.js'
import type { ServiceReport } from './example-service.js'

/** A short, readable account of what the server stored and what the service saw. */
export function formatSummary(server: RunningServer, report: ServiceReport): string {
  const { store } = server
  const lines: string[] = []
  const names = store.events.names()
  lines.push(`Events stored: ${store.events.count()}`)
  for (const n of names) lines.push(`  ${String(n.count).padStart(4)}  ${n.event}`)

  const persons = store.persons.list(20).results
  lines.push('', `Persons: ${persons.length}`)
  for (const p of persons.sort((a, b) => a.id - b.id)) {
    const props = Object.entries(p.properties)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    lines.push(`  ${p.distinctIds.sort().join(', ')}${props ? `  (${props})` : ''}`)
  }

  const groups = store.groups.list(20).results
  lines.push('', `Groups: ${groups.length}`)
  for (const g of groups) lines.push(`  ${g.groupType}:${g.groupKey}  ${JSON.stringify(g.properties)}`)

  lines.push('', 'Flags the service evaluated:')
  for (const c of report.flagChecks) {
    const value = typeof c.value === 'string' ? `"${c.value}"` : String(c.value)
    const payload = c.payload !== undefined && c.payload !== null ? `  payload ${JSON.stringify(c.payload)}` : ''
    lines.push(`  ${c.how.padEnd(6)}  ${c.distinctId.padEnd(10)}  ${c.flag.padEnd(26)} ${value}${payload}`)
  }
  const exposures = store.events.list({ event: '$feature_flag_called', limit: 1000 })
  lines.push(`  exposure events ($feature_flag_called): ${exposures.length}`)
  lines.push(`Remote config "site-banner": ${JSON.stringify(report.remoteConfig)}`)

  const byPath = new Map<string, number>()
  for (const r of server.requests()) byPath.set(r.path, (byPath.get(r.path) ?? 0) + 1)
  lines.push('', `Requests the server answered: ${[...byPath].map(([p, n]) => `${p} x${n}`).join(', ')}`)
  const d = report.delivery
  lines.push(`SDK delivery: ${d.captured} captured, ${d.delivered} delivered, ${d.dropped} dropped`)
  return lines.join('\n')
}
