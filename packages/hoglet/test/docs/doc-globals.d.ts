/// <reference types="vitest/globals" />
// Names the documentation's snippets use without defining them: the reader's own app, request,
// data and functions. What the snippets call on hoglet itself is checked for real.
import type { PostHog } from 'hoglet'
import type { compileFlags } from 'hoglet/engine'

interface DocRequest {
  user: { id: string; plan: string }
  body: unknown
  get(name: string): string | undefined
}
interface DocResponse {
  json(body: unknown): void
}
/** An app of whichever framework the snippet is about. */
interface DocApp {
  use(...handlers: unknown[]): void
  get(path: string, handler: (req: DocRequest, res: DocResponse) => unknown): void
  post(path: string, handler: (req: DocRequest, res: DocResponse) => unknown): void
  register(plugin: unknown): Promise<void>
  /** NestJS's app. */
  useGlobalInterceptors(...interceptors: unknown[]): void
}

declare global {
  const posthog: PostHog
  const app: DocApp
  const definitions: Parameters<typeof compileFlags>[0]
  const order: { id: string; userId: string }
  const user: { id: string }
  const metrics: { increment(name: string, count?: number): void }
  function userIdOf(request: unknown): string | undefined
  function listOrders(...args: unknown[]): Promise<unknown[]>
  function checkout(body: unknown, flags: unknown): Promise<unknown>
  function chargeCard(order: { id: string }): Promise<void>
  function signUp(posthog: PostHog, distinctId: string): Promise<void>
}

export {}
