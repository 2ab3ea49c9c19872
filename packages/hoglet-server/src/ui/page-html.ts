/** The web page's markup; the script fills it in from the control API. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hoglet-server</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header>
  <div class="brand"><span class="logo" aria-hidden="true">h</span> hoglet-server <span id="live" class="live off" title="live updates">offline</span></div>
  <div class="stats">
    <span><b id="stat-events">0</b> events</span>
    <span><b id="stat-persons">0</b> persons</span>
    <span><b id="stat-groups">0</b> groups</span>
    <span><b id="stat-flags">0</b> flags</span>
  </div>
</header>
<nav>
  <button class="tab active" data-tab="events">Events</button>
  <button class="tab" data-tab="persons">Persons</button>
  <button class="tab" data-tab="groups">Groups</button>
  <button class="tab" data-tab="flags">Feature flags</button>
</nav>
<main>
  <section id="tab-events" class="panel active">
    <div class="toolbar">
      <input id="event-filter" type="search" placeholder="Filter by event or distinct id">
      <button id="clear-events" class="secondary">Clear events</button>
    </div>
    <div class="split">
      <table class="list"><thead><tr><th>Time</th><th>Event</th><th>Distinct id</th><th>Endpoint</th></tr></thead>
      <tbody id="events"></tbody></table>
      <aside id="event-detail" class="detail"><p class="muted">Select an event to see its properties.</p></aside>
    </div>
  </section>
  <section id="tab-persons" class="panel">
    <div class="toolbar"><input id="person-filter" type="search" placeholder="Search ids and properties"></div>
    <div id="persons" class="cards"></div>
  </section>
  <section id="tab-groups" class="panel">
    <div id="groups" class="cards"></div>
  </section>
  <section id="tab-flags" class="panel">
    <form id="evaluate-form" class="toolbar">
      <label for="evaluate-id">Evaluate for this distinct id</label>
      <input id="evaluate-id" placeholder="distinct id, e.g. user-1" required>
      <input id="evaluate-groups" placeholder='groups (optional), e.g. {"company": "acme"}'>
      <button type="submit">Evaluate</button>
    </form>
    <table class="list"><thead><tr><th>Flag</th><th>Active</th><th>Rollout</th><th>Value</th><th>Reason</th><th>Payload</th></tr></thead>
    <tbody id="flags"></tbody></table>
    <p id="flags-source" class="muted"></p>
  </section>
</main>
<script src="/assets/app.js"></script>
</body>
</html>
`

/** Shown instead of the page when the address has no (or a wrong) control token. */
export const TOKEN_NEEDED_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hoglet-server: open the address with its token</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<main>
<h1>This page needs the control token</h1>
<p>Open the web page address hoglet-server printed when it started: it ends in <code>/?token=…</code>.
The token keeps other web pages in your browser from reading or changing this server.</p>
</main>
</body>
</html>
`
