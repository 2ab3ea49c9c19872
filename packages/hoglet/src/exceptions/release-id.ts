/** A release id a build step put on the global object (`globalThis._posthogReleaseId`), as PostHog's SDKs read it. */
export function injectedReleaseId(): string | undefined {
  const injected = (globalThis as { _posthogReleaseId?: unknown })._posthogReleaseId
  return typeof injected === 'string' && injected.length > 0 ? injected : undefined
}
