import type { Router } from '../http/router.js'
import { PAGE_HTML } from './page-html.js'
import { PAGE_JS } from './page-script.js'
import { PAGE_CSS } from './page-style.js'

/** Serves the web page: three static strings, no build step. */
export function registerUiRoutes(router: Router): void {
  const asset = (body: string, type: string) => () => ({
    status: 200,
    headers: { 'content-type': type, 'cache-control': 'no-cache' },
    body,
  })
  const page = asset(PAGE_HTML, 'text/html; charset=utf-8')
  // Browsers get the page; health checks that ask for anything else get capture's `/` answer.
  router.on(['GET', 'HEAD'], '/', (ctx) => {
    const accept = ctx.req.headers.accept ?? ''
    return accept.includes('text/html') ? page() : { status: 200, body: { status: 'ok' } }
  })
  router.on(['GET', 'HEAD'], '/assets/app.js', asset(PAGE_JS, 'text/javascript; charset=utf-8'))
  router.on(['GET', 'HEAD'], '/assets/style.css', asset(PAGE_CSS, 'text/css; charset=utf-8'))
}
