import type { ContextData, ContextOptions } from '../../context.js'
import type { ExceptionCaptureDetails } from '../../exceptions/capture-exception.js'
import type { RequestReadingSettings } from './tracing-headers.js'

/**
 * Key of the client method integrations use for the errors they capture on their own, so the
 * event says how it was caught (`mechanism.type`, unhandled) and goes through the per-type
 * rate limiter. A registered symbol, so every bundle chunk agrees on it.
 */
export const CAPTURE_AUTOMATIC: unique symbol = Symbol.for('hoglet.captureExceptionAutomatic') as never

/** The part of the `PostHog` client an integration uses (structural, so integrations never import the client). */
export interface IntegrationClient {
  withContext<T>(data: ContextData, fn: () => T, options?: ContextOptions): T
  getContext(): Readonly<ContextData> | undefined
  capture(message: { event: string; distinctId?: string; properties?: Record<string, unknown> }): unknown
  captureException(error: unknown, distinctId?: string, properties?: Record<string, unknown>): unknown
  flush(): Promise<unknown>
  /** The client's settings: api key and host, and what request integrations read (`readPostHogCookie`...). */
  readonly config?: RequestReadingSettings & { readonly host?: string }
  /** Makes `flush()` and `shutdown()` wait for work an integration starts on its own. */
  trackPending?<T>(promise: Promise<T>): Promise<T>
  [CAPTURE_AUTOMATIC]?: (
    error: unknown,
    distinctId: string | undefined,
    properties: Record<string, unknown> | undefined,
    details: ExceptionCaptureDetails,
  ) => string | undefined
}

/** Captures an error an integration caught, as unhandled and rate-limited when the client supports it. */
export function captureCaughtError(
  client: IntegrationClient,
  error: unknown,
  properties: Record<string, unknown>,
  mechanismType: string,
  distinctId?: string,
  rateLimited = true,
): void {
  const automatic = client[CAPTURE_AUTOMATIC]
  if (automatic) automatic.call(client, error, distinctId, properties, { handled: false, mechanismType, rateLimited })
  else client.captureException(error, distinctId, properties)
}
