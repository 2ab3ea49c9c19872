// TypeDoc plugin: names each documented module after its import path (`hoglet`, `hoglet/edge`,
// `hoglet/express`...) instead of its source file.
import { Converter } from 'typedoc'

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      module.name = module.name === 'index' ? 'hoglet' : `hoglet/${module.name.replace(/^integrations\//, '').replace(/\/.*$/, '')}`
    }
  })
}
