// A Cloudflare Worker (module syntax) running the conformance scenarios, one per request.
import { handleScenarioRequest } from './dispatch.mjs'

export default {
  fetch(request, _env, ctx) {
    return handleScenarioRequest(request, (promise) => ctx.waitUntil(promise))
  },
}
