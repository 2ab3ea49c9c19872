// Vercel's edge runtime: a fetch event listener running the conformance scenarios, one per request.
import { handleScenarioRequest } from './dispatch.mjs'

addEventListener('fetch', (event) => {
  event.respondWith(handleScenarioRequest(event.request, (promise) => event.waitUntil(promise)))
})
