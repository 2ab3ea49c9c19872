/**
 * The web page's script (plain ES2020, no build step). Reads the control API, listens to
 * `/_hoglet/stream` for live updates. The control token comes from the page's own address
 * (`?token=`, which no other origin can read) and goes out in an `Authorization` header
 * (in `?token=` for the event stream, which cannot carry headers). Written without template literals so it can live in
 * this TypeScript string; all user data goes into the page through `textContent`.
 */
export const PAGE_JS = String.raw`
'use strict';
(function () {
  var API = '/_hoglet';
  var TOKEN = new URLSearchParams(location.search).get('token') || '';
  var state = { lastId: 0, events: [], selected: null, tab: 'events', flags: [], groupTypes: {}, evaluation: null };
  var MAX_ROWS = 500;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function getJson(path, init) {
    init = init || {};
    var headers = Object.assign({}, init.headers || {});
    if (TOKEN) headers.authorization = 'Bearer ' + TOKEN;
    return fetch(API + path, Object.assign({}, init, { headers: headers, credentials: 'omit' })).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + ' ' + t); });
      return r.json();
    });
  }
  function fmtTime(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }
  function pretty(v) { return JSON.stringify(v, null, 2); }

  // Tabs
  document.querySelectorAll('.tab').forEach(function (b) {
    b.addEventListener('click', function () { showTab(b.getAttribute('data-tab')); });
  });
  function showTab(name) {
    state.tab = name;
    document.querySelectorAll('.tab').forEach(function (b) { b.classList.toggle('active', b.getAttribute('data-tab') === name); });
    document.querySelectorAll('.panel').forEach(function (p) { p.classList.toggle('active', p.id === 'tab-' + name); });
    if (name === 'persons') loadPersons();
    if (name === 'groups') loadGroups();
    if (name === 'flags') loadFlags();
  }

  function loadStats() {
    return getJson('/stats').then(function (s) {
      $('stat-events').textContent = s.events;
      $('stat-persons').textContent = s.persons;
      $('stat-groups').textContent = s.groups;
      $('stat-flags').textContent = s.flags;
    });
  }

  // Events
  function loadNewEvents(initial) {
    var q = initial ? '?limit=200' : '?limit=' + MAX_ROWS + '&after=' + state.lastId;
    return getJson('/events' + q).then(function (r) {
      var fresh = r.results;
      if (fresh.length === 0) { if (initial) renderEvents([]); return; }
      state.lastId = Math.max(state.lastId, fresh[0].id);
      state.events = fresh.concat(state.events).slice(0, MAX_ROWS);
      renderEvents(initial ? [] : fresh.map(function (e) { return e.id; }));
    });
  }
  function matchesFilter(e, f) {
    return !f || e.event.toLowerCase().indexOf(f) >= 0 || e.distinct_id.toLowerCase().indexOf(f) >= 0;
  }
  function renderEvents(freshIds) {
    var tbody = $('events');
    var f = $('event-filter').value.trim().toLowerCase();
    tbody.textContent = '';
    var shown = state.events.filter(function (e) { return matchesFilter(e, f); });
    if (shown.length === 0) {
      var tr = el('tr'); var td = el('td', 'empty', 'No events yet. Capture one with the SDK, pointed at this server.');
      td.colSpan = 4; tr.appendChild(td); tbody.appendChild(tr); return;
    }
    shown.forEach(function (e) {
      var tr = el('tr');
      tr.setAttribute('data-id', e.id);
      if (freshIds.indexOf(e.id) >= 0) tr.classList.add('fresh');
      if (state.selected === e.id) tr.classList.add('selected');
      tr.appendChild(el('td', 'mono muted', fmtTime(e.timestamp)));
      tr.appendChild(el('td', 'event-name', e.event));
      tr.appendChild(el('td', 'mono', e.distinct_id));
      tr.appendChild(el('td', 'mono muted', e.endpoint));
      tr.addEventListener('click', function () { selectEvent(e); });
      tbody.appendChild(tr);
    });
  }
  function selectEvent(e) {
    state.selected = e.id;
    document.querySelectorAll('#events tr').forEach(function (tr) {
      tr.classList.toggle('selected', tr.getAttribute('data-id') === String(e.id));
    });
    var d = $('event-detail');
    d.textContent = '';
    d.appendChild(el('h3', null, e.event));
    d.appendChild(el('div', 'mono muted', 'distinct id: ' + e.distinct_id));
    d.appendChild(el('div', 'mono muted', 'uuid: ' + e.uuid));
    d.appendChild(el('div', 'mono muted', 'timestamp: ' + e.timestamp));
    d.appendChild(el('pre', null, pretty(e.properties)));
  }
  $('event-filter').addEventListener('input', function () { renderEvents([]); });
  $('clear-events').addEventListener('click', function () {
    getJson('/events', { method: 'DELETE' }).then(function () { resetEvents(); });
  });
  function resetEvents() {
    state.events = []; state.lastId = 0; state.selected = null;
    $('event-detail').textContent = '';
    $('event-detail').appendChild(el('p', 'muted', 'Select an event to see its properties.'));
    loadNewEvents(true); loadStats();
  }

  // Persons and groups
  function propsBlock(props) {
    return Object.keys(props).length ? el('pre', null, pretty(props)) : el('div', 'muted', 'No properties yet.');
  }
  function loadPersons() {
    var s = $('person-filter').value.trim();
    return getJson('/persons?limit=200' + (s ? '&search=' + encodeURIComponent(s) : '')).then(function (r) {
      var box = $('persons'); box.textContent = '';
      if (r.results.length === 0) { box.appendChild(el('div', 'empty', 'No persons yet.')); return; }
      r.results.forEach(function (p) {
        var c = el('div', 'card');
        c.appendChild(el('h3', null, p.properties.email || p.properties.name || p.distinctIds[0]));
        var chips = el('div', 'chips');
        p.distinctIds.forEach(function (id) { chips.appendChild(el('span', 'chip mono', id)); });
        c.appendChild(chips);
        c.appendChild(propsBlock(p.properties));
        box.appendChild(c);
      });
    });
  }
  $('person-filter').addEventListener('input', function () { loadPersons(); });
  function loadGroups() {
    return getJson('/groups?limit=200').then(function (r) {
      var box = $('groups'); box.textContent = '';
      if (r.results.length === 0) { box.appendChild(el('div', 'empty', 'No groups yet. Send a $groupidentify event.')); return; }
      r.results.forEach(function (g) {
        var c = el('div', 'card');
        c.appendChild(el('h3', null, g.groupType + ': ' + g.groupKey));
        c.appendChild(propsBlock(g.properties));
        box.appendChild(c);
      });
    });
  }

  // Flags
  // Definitions are validated at load; this still never lets one odd flag empty the table.
  function rolloutSummary(f) {
    try { return describeRollout(f); } catch (e) { return '(filters not shown)'; }
  }
  function describeRollout(f) {
    var groups = (f.filters && Array.isArray(f.filters.groups)) ? f.filters.groups : [];
    var parts = groups.map(function (g) {
      var pct = g.rollout_percentage === null || g.rollout_percentage === undefined ? 100 : g.rollout_percentage;
      var n = (g.properties || []).length;
      return pct + '%' + (n ? ' if ' + n + ' filter' + (n > 1 ? 's' : '') : '');
    });
    var mv = f.filters && f.filters.multivariate;
    if (mv && mv.variants) parts.push('variants: ' + mv.variants.map(function (v) { return v.key + ' ' + v.rollout_percentage + '%'; }).join(', '));
    if (f.filters && f.filters.aggregation_group_type_index !== undefined && f.filters.aggregation_group_type_index !== null) parts.push('per ' + (state.groupTypes[f.filters.aggregation_group_type_index] || 'group type ' + f.filters.aggregation_group_type_index));
    return parts.join('; ');
  }
  function loadFlags() {
    return getJson('/flags').then(function (d) {
      state.flags = d.flags;
      state.groupTypes = d.group_type_mapping || {};
      $('flags-source').textContent = 'Definitions from: ' + d.source + '. Group types: ' + JSON.stringify(d.group_type_mapping || {});
      renderFlags();
    });
  }
  function renderFlags() {
    var tbody = $('flags'); tbody.textContent = '';
    var answers = {};
    if (state.evaluation) state.evaluation.flags.forEach(function (a) { answers[a.key] = a; });
    if (state.flags.length === 0) {
      var tr0 = el('tr'); var td0 = el('td', 'empty', 'No flags. Start the server with --flags <file> or PUT /_hoglet/flags.');
      td0.colSpan = 6; tr0.appendChild(td0); tbody.appendChild(tr0); return;
    }
    state.flags.forEach(function (f) {
      var a = answers[f.key];
      var tr = el('tr'); tr.setAttribute('data-flag', f.key);
      tr.appendChild(el('td', 'mono event-name nowrap', f.key));
      tr.appendChild(el('td', null, f.active === false ? 'no' : 'yes'));
      tr.appendChild(el('td', 'muted', rolloutSummary(f)));
      var value = a ? (a.variant !== null ? a.variant : a.enabled) : '';
      var vcls = !a ? '' : a.variant !== null ? 'variant' : a.enabled ? 'value-true' : 'value-false';
      var vtd = el('td', 'mono flag-value ' + vcls, a ? String(value) : '-'); tr.appendChild(vtd);
      tr.appendChild(el('td', 'muted reason', a ? a.reason.code + (a.reason.condition_index !== null && a.reason.condition_index !== undefined ? ' (#' + a.reason.condition_index + ')' : '') : ''));
      tr.appendChild(el('td', 'mono', a && a.payload !== null && a.payload !== undefined ? String(a.payload) : ''));
      tbody.appendChild(tr);
    });
  }
  $('evaluate-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var id = $('evaluate-id').value.trim();
    var groups = {};
    var gtext = $('evaluate-groups').value.trim();
    if (gtext) { try { groups = JSON.parse(gtext); } catch (e) { alert('groups must be JSON, e.g. {"company": "acme"}'); return; } }
    getJson('/flags/evaluate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ distinct_id: id, groups: groups }) })
      .then(function (r) { state.evaluation = r; renderFlags(); })
      .catch(function (e) { alert(e.message); });
  });

  // Live updates
  // One events fetch at a time; a message that arrives meanwhile schedules one more.
  var pending = false, again = false;
  function refreshEvents() {
    if (pending) { again = true; return; }
    pending = true;
    loadNewEvents(false).then(loadStats).finally(function () {
      pending = false;
      if (again) { again = false; refreshEvents(); }
    });
  }
  function connect() {
    var es = new EventSource(API + '/stream' + (TOKEN ? '?token=' + encodeURIComponent(TOKEN) : ''));
    es.onopen = function () { $('live').textContent = 'live'; $('live').className = 'live on'; };
    es.onerror = function () { $('live').textContent = 'reconnecting'; $('live').className = 'live off'; };
    es.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === 'events') {
        refreshEvents();
        if (state.tab === 'persons') loadPersons();
        if (state.tab === 'groups') loadGroups();
      } else if (msg.type === 'flags') {
        loadFlags(); loadStats();
      } else if (msg.type === 'reset') {
        resetEvents();
      }
    };
  }

  loadStats(); loadNewEvents(true); loadFlags(); connect();
})();
`
