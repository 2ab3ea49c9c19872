import type { Agent, IncomingMessage, RequestOptions } from 'node:http'
import type { FetchLike, FetchOptions, FetchResponse } from '../fetch-types.js'

/**
 * Event batches sent through node:http with a keep-alive agent instead of the global `fetch`:
 * Node's fetch costs about 1 ms of CPU per request on its own, as much as gzipping a batch of
 * 100 events. Used only where nothing could tell the difference: real Node (not Bun or Deno,
 * whose node:http sits on their fetch), the global `fetch` still Node's own (no test double,
 * no interceptor installed) and undici's global dispatcher, when set, a plain `Agent` (not a
 * proxy or a mock). Anything else, and any redirect, goes through the global `fetch`.
 *
 * `http:` URLs go through the leaner client of node-http1.ts instead, as long as node:http is
 * Node's own (not patched by an interceptor such as nock or an APM agent) and nobody listens
 * on its diagnostics channel: then nothing could tell it from node:http either.
 */

interface HttpModules {
  agents: { 'http:': Agent; 'https:': Agent }
  /** The module objects themselves, whose `request` an interceptor may have replaced (the ESM namespace keeps the original). */
  modules: { 'http:': typeof import('node:http'); 'https:': typeof import('node:https') }
  net: typeof import('node:net')
  http1Post: typeof import('./node-http1.js').http1Post
  channels: typeof import('node:diagnostics_channel')
}

// Node's own fetch is a small wrapper that loads its bundled undici; a test double or an
// interceptor installed before this module is imported (with hoglet's first request) is not,
// and keeps every request.
const nativeFetch = typeof globalThis.fetch === 'function' && /undici/.test(Function.prototype.toString.call(globalThis.fetch)) ? globalThis.fetch : undefined
const isPlainNode =
  typeof process === 'object' && typeof process.versions?.node === 'string' && process.versions.bun === undefined && !('Deno' in globalThis)
const UNDICI_DISPATCHER = Symbol.for('undici.globalDispatcher.1')

let modules: Promise<HttpModules> | undefined

/** Loaded on the first request: importing hoglet must not pay for node:http, node:tls and the lean client. */
function loadModules(): Promise<HttpModules> {
  return (modules ??= Promise.all([import('node:http'), import('node:https'), import('node:net'), import('node:diagnostics_channel'), import('./node-http1.js')]).then(
    ([http, https, net, channels, { http1Post }]) => ({
      // Idle keep-alive sockets are unref'd by the agent: they never hold the process open.
      agents: { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) },
      modules: { 'http:': moduleObject(http), 'https:': moduleObject(https) },
      net,
      http1Post,
      channels,
    }),
  ))
}

const moduleObject = <T>(namespace: T): T => (namespace as { default?: T }).default ?? namespace

function fetchIsNodes(): boolean {
  if (!isPlainNode || nativeFetch === undefined || globalThis.fetch !== nativeFetch) return false
  const dispatcher = (globalThis as Record<symbol, unknown>)[UNDICI_DISPATCHER]
  return dispatcher === undefined || (dispatcher as object).constructor?.name === 'Agent'
}

// node:http's own `request`, as Node 20 and later write it; an interceptor's replacement is not.
const NODE_HTTP_REQUEST = /^function request\(url, options, cb\) \{\s*return new ClientRequest\(url, options, cb\);\s*\}$/
let checkedRequest: unknown
let requestIsNodes = false

function httpIsNodes({ modules, channels }: HttpModules): boolean {
  const http = modules['http:']
  if (http.request !== checkedRequest) {
    checkedRequest = http.request
    requestIsNodes = NODE_HTTP_REQUEST.test(Function.prototype.toString.call(http.request))
  }
  return requestIsNodes && !channels.hasSubscribers('http.client.request.start')
}

/** The global `fetch` as a `FetchLike`, looked up per call. */
const globalFetch: FetchLike = (url, init) => (globalThis.fetch as unknown as FetchLike)(url, init)

/** A `FetchLike` for hoglet's own POSTs: node:http where that is safe, the global `fetch` otherwise. */
export const nodePost: FetchLike = async (url, init) => {
  if (!fetchIsNodes()) return globalFetch(url, init)
  const protocol = url.startsWith('https:') ? 'https:' : url.startsWith('http:') ? 'http:' : undefined
  if (protocol === undefined) return globalFetch(url, init)
  const loaded = await loadModules()
  const viaLean = protocol === 'http:' && httpIsNodes(loaded) ? lean(loaded, url, init) : undefined
  const response = await (viaLean ?? post(loaded.modules[protocol], loaded.agents[protocol], url, init))
  // fetch follows redirects; a redirected batch goes the way it always went.
  if (response.status >= 300 && response.status < 400) return globalFetch(url, init)
  return response
}

/** The request through node-http1.ts, failing as fetch does; undefined when that client does not take it. */
function lean({ net, http1Post }: HttpModules, url: string, init: FetchOptions): Promise<FetchResponse> | undefined {
  return http1Post(net, url, init)?.catch((cause: unknown) => {
    throw init.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause })
  })
}

function post(module: Pick<typeof import('node:http'), 'request'>, agent: Agent, url: string, init: FetchOptions): Promise<FetchResponse> {
  return new Promise((resolve, rejectWith) => {
    // Failures look as they do through fetch: the signal's reason, or `TypeError: fetch failed` with the cause.
    const reject = (cause: unknown): void =>
      rejectWith(init.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause }))
    const body = init.body
    const headers: Record<string, string | number> = { ...init.headers }
    if (body !== undefined) headers['Content-Length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
    const options: RequestOptions = { method: init.method, headers, agent }
    if (init.signal !== undefined) options.signal = init.signal
    const req = module.request(url, options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => resolve(toResponse(res, Buffer.concat(chunks).toString('utf8'))))
      // Cut mid-body (the deadline aborted, the server went away): not a response.
      res.on('close', () => {
        if (!res.complete) reject(new Error('the connection closed before the response ended'))
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

function toResponse(res: IncomingMessage, text: string): FetchResponse {
  return {
    status: res.statusCode ?? 0,
    headers: {
      get(name: string): string | null {
        const value = res.headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
      },
    },
    text: async () => text,
    json: async () => JSON.parse(text),
    body: null,
  }
}
