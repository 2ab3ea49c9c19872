import type { ContextData } from '../../context.js'
import { captureCaughtError, type IntegrationClient } from './client-like.js'
import { errorStatus } from './request-context.js'

/** Captures the per-request event (`captureRequests`) inside the request's own scope. */
export function captureRequestEvent(
  client: IntegrationClient,
  scope: ContextData,
  eventName: string,
  statusCode: number,
  durationMs: number,
): void {
  client.withContext(scope, () =>
    client.capture({
      event: eventName,
      properties: { $response_status_code: statusCode, $duration_ms: Math.round(durationMs * 1000) / 1000 },
    }),
  )
}

/** Captures a handler error inside the request's scope, with the status the response will get. */
export function captureHandlerError(
  client: IntegrationClient,
  scope: ContextData,
  error: unknown,
  mechanismType: string,
  statusCode?: number,
): void {
  const status = statusCode ?? errorStatus(error) ?? 500
  client.withContext(scope, () => captureCaughtError(client, error, { $response_status_code: status }, mechanismType))
}
