// hoglet-server's control API (`/_hoglet/*`) as the conformance scenarios use it, from inside
// whichever runtime runs them. The one place that knows the control routes and how to
// authenticate: with a control token the requests carry `Authorization: Bearer <token>`.
// Plain JavaScript with no imports, so every runtime loads it as is and bundlers inline it.

/** @param {string} serverUrl @param {string | undefined} controlToken */
export function controlClient(serverUrl, controlToken) {
  const auth = controlToken ? { authorization: `Bearer ${controlToken}` } : {}

  async function call(method, path, body) {
    const init = { method, headers: { ...auth } }
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    const res = await fetch(`${serverUrl}/_hoglet${path}`, init)
    const text = await res.text()
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text.slice(0, 200)}`)
    return text === '' ? undefined : JSON.parse(text)
  }

  const control = {
    stats: () => call('GET', '/stats'),
    /** Stored events, oldest first. */
    async events({ distinctId, event, limit = 10_000 } = {}) {
      const q = new URLSearchParams({ limit: String(limit) })
      if (distinctId !== undefined) q.set('distinct_id', distinctId)
      if (event !== undefined) q.set('event', event)
      const body = await call('GET', `/events?${q}`)
      return body.results.reverse()
    },
    /** The id of the newest recorded request (0 when none): later requests have larger ids. */
    async lastRequestId() {
      const latest = (await call('GET', '/requests?limit=1')).results
      return latest.length === 0 ? 0 : latest[0].id
    },
    /** Recorded API requests whose path starts with `pathPrefix`, oldest first. */
    async requests(pathPrefix) {
      const q = new URLSearchParams({ limit: '1000' })
      if (pathPrefix) q.set('path', pathPrefix)
      return (await call('GET', `/requests?${q}`)).results
    },
    addFaults: (faults) => call('POST', '/faults', faults),
    clearFaults: () => call('DELETE', '/faults'),
    setFlags: (definitions) => call('PUT', '/flags', definitions),
    person: (distinctId) => call('GET', `/persons/${encodeURIComponent(distinctId)}`),
    groups: async () => (await call('GET', '/groups?limit=1000')).results,
    /** The server's own evaluation, to compare with what the SDK answered. */
    evaluate: (distinctId, personProperties) => call('POST', '/flags/evaluate', { distinct_id: distinctId, person_properties: personProperties }),
    /** Polls until `count` events with this distinct id (and name) are stored, or the time is up. */
    async waitForEvents(distinctId, count, { event, timeoutMs = 10_000 } = {}) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const events = await control.events({ distinctId, event })
        if (events.length >= count || Date.now() > until) return events
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
  }
  return control
}
