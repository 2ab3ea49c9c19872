/**
 * The `fetch` contract hoglet uses for every request: posthog-node's. A custom `fetch` gets a
 * string body when the request is not compressed (bytes when gzipped), and only has to answer
 * `status` and `text()`; the global `fetch` and its `Response` fit.
 */
export interface FetchOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH'
  headers: Record<string, string>
  body?: string | Uint8Array<ArrayBuffer>
  signal?: AbortSignal
}

/**
 * What a custom `fetch` must answer. `headers.get` is read for `Retry-After` and ETags when
 * present; `body` is cancelled when an answer is not read.
 */
export interface FetchResponse {
  status: number
  text: () => Promise<string>
  /** Never called (answers are read with `text()`); posthog-node's type requires it. */
  json?: () => Promise<any>
  headers?: { get(name: string): string | null }
  body?: ReadableStream<Uint8Array> | null
}

/** A `fetch`-compatible function: the only way hoglet talks to the network. */
export type FetchLike = (url: string, options: FetchOptions) => Promise<FetchResponse>
