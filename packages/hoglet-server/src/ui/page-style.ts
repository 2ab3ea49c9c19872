/** The web page's stylesheet: system fonts, light, high contrast, no framework. */
export const PAGE_CSS = `
:root { --fg: #1d1f24; --muted: #6b7080; --line: #e3e5ea; --bg: #f6f7f9; --card: #fff; --accent: #1d4aff; --ok: #107a3e; --no: #a3342c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; justify-content: space-between; align-items: center; padding: 12px 20px; background: #151515; color: #fff; }
.brand { font-weight: 650; font-size: 17px; display: flex; align-items: center; gap: 8px; }
.logo { display: inline-grid; place-items: center; width: 24px; height: 24px; border-radius: 6px; background: #f9bd2b; color: #151515; font-weight: 800; font-size: 15px; }
.live { font-size: 11px; font-weight: 600; padding: 2px 8px; border-radius: 10px; background: #444; color: #ccc; }
.live.on { background: #1f8f4e; color: #fff; }
.stats { display: flex; gap: 18px; color: #ccc; }
.stats b { color: #fff; font-variant-numeric: tabular-nums; }
nav { display: flex; gap: 4px; padding: 0 20px; background: var(--card); border-bottom: 1px solid var(--line); }
.tab { border: 0; background: none; padding: 11px 14px; font: inherit; color: var(--muted); cursor: pointer; border-bottom: 2px solid transparent; }
.tab.active { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
main { padding: 16px 20px; }
.panel { display: none; }
.panel.active { display: block; }
.toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
.toolbar label { font-weight: 600; }
input { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; min-width: 240px; background: #fff; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--fg); border-color: var(--line); }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr); gap: 16px; align-items: start; }
table.list { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.list th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); padding: 8px 12px; border-bottom: 1px solid var(--line); background: #fafbfc; }
.list td { padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
.list tbody tr:last-child td { border-bottom: 0; }
#events tr { cursor: pointer; }
#events tr:hover, #events tr.selected { background: #eef2ff; }
#events tr.fresh { animation: fresh 1.5s ease-out; }
@keyframes fresh { from { background: #fff6cc; } to { background: transparent; } }
.event-name { font-weight: 600; }
.mono, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.detail { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; position: sticky; top: 12px; max-height: calc(100vh - 40px); overflow: auto; }
.detail h3 { margin: 0 0 4px; font-size: 15px; }
pre { margin: 8px 0 0; white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 10px; border-radius: 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; align-items: start; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card h3 { margin: 0 0 6px; font-size: 14px; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px; }
.chip { background: #eef2ff; color: #2b3a8c; border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.reason, .nowrap { white-space: nowrap; }
.value-true { color: var(--ok); font-weight: 600; }
.value-false { color: var(--no); font-weight: 600; }
.variant { color: #6a2bb8; font-weight: 600; }
.empty { padding: 24px; text-align: center; color: var(--muted); }
@media (max-width: 900px) { .split { grid-template-columns: 1fr; } .stats { display: none; } }
`
