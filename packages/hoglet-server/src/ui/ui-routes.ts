import type { RequestContext, Router } from '../http/router.js'
import { PAGE_HTML, TOKEN_NEEDED_HTML } from './page-html.js'
import { PAGE_JS } from './page-script.js'
import { PAGE_CSS } from './page-style.js'

/**
 * What the page's answers carry so that no other site can frame it, run script in it or
 * read it as something else: everything it loads comes from this server, nothing inline.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

/**
 * Serves the web page: three static strings, no build step. `guard` throws unless the
 * request may see the page (the control token in `?token=`, or the server's own origin).
 */
export function registerUiRoutes(router: Router, guard: (ctx: RequestContext) => void): void {
  const asset = (body: string, type: string) => () => ({
    status: 200,
    headers: { ...PAGE_SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache' },
    body,
  })
  const page = asset(PAGE_HTML, 'text/html; charset=utf-8')
  // Browsers get the page; health checks that ask for anything else get capture's `/` answer.
  router.on(['GET', 'HEAD'], '/', (ctx) => {
    const accept = ctx.req.headers.accept ?? ''
    if (!accept.includes('text/html')) return { status: 200, body: { status: 'ok' } }
    try {
      guard(ctx)
    } catch (err) {
      const status = (err as { status?: number }).status ?? 401
      return { status, headers: { ...PAGE_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: TOKEN_NEEDED_HTML }
    }
    return page()
  })
  // The script and the style hold no data: they are served to anyone, but never framed or sniffed.
  router.on(['GET', 'HEAD'], '/assets/app.js', asset(PAGE_JS, 'text/javascript; charset=utf-8'))
  router.on(['GET', 'HEAD'], '/assets/style.css', asset(PAGE_CSS, 'text/css; charset=utf-8'))
}
