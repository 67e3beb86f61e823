import { defineConfig } from 'tsdown'
import { libraryBuild, selfContainedWorker } from '../../scripts/tsdown-shared.ts'

/** `new SharedWorker(new URL('./shared-worker.ts', import.meta.url))` in src names the built file in dist. */
const workerUrlInDist = {
  name: 'shared-realtime:worker-url',
  transform(code: string, id: string) {
    if (!id.endsWith('/src/connect.ts')) return null
    const next = code.replaceAll("new URL('./shared-worker.ts', import.meta.url)", "new URL('./shared-worker.js', import.meta.url)")
    if (next === code) throw new Error('connect.ts no longer holds the literal worker URL this build rewrites')
    return { code: next, map: null }
  },
}

/**
 * Dependency code the hub never calls, replaced by what the worker build needs of it (the worker file's
 * size budget, issue #11). Only the self-contained worker uses this; source, tests and the in-page
 * fallback keep the real modules. A renamed module only makes the file bigger again: size-limit fails.
 * - `lib/websocket-factory`: finds a WebSocket on Node, Deno, Bun and edge runtimes; a SharedWorker
 *   always has the global one.
 * - `RealtimePostgresFilterBuilder`: the builder objects of `postgresChangesFilter()`; a tab's request
 *   reaches the hub by structured clone, which keeps no methods, and the hub validates filters as
 *   strings (packages/worker/src/input/validate.ts), so the `instanceof` check never matches.
 * - three parts of phoenix (below).
 */
const WORKER_STUBS: Record<string, string> = {
  '/@supabase/realtime-js/dist/module/lib/websocket-factory.js': 'export default { getWebSocketConstructor: () => WebSocket }',
  '/@supabase/realtime-js/dist/module/RealtimePostgresFilterBuilder.js':
    'export class RealtimePostgresFilterBuilder {}\nexport function postgresChangesFilter() { throw new Error("postgresChangesFilter is not available in the shared worker") }',
}
const PHOENIX = '/@supabase/phoenix/priv/static/phoenix.mjs'
/**
 * Parts of phoenix.mjs the hub never runs, each cut between two markers of its source (the build
 * fails if a marker moves, rather than silently shipping a bigger file):
 * - `Ajax` keeps only `serialize`/`appendParams`, which `Socket.endPointURL` uses; the requests are
 *   LongPoll's.
 * - `LongPoll`: phoenix falls back to it only without a WebSocket or with `longPollFallbackMs`, which
 *   realtime-js never sets; the class stays, throwing if ever constructed.
 * - phoenix's own serializer: realtime-js always passes its `encode`/`decode` to the Socket
 *   (RealtimeClient's `_initializeOptions`), so phoenix's defaults are bound but never called.
 */
const PHOENIX_CUTS = [
  { from: 'var Ajax = class {', to: '  static serialize(obj, parentKey) {', stub: 'var Ajax = class {\n' },
  {
    from: 'var LongPoll = class {',
    to: 'var Presence = class',
    stub: 'var LongPoll = class {\n  constructor() {\n    throw new Error("LongPoll is not available in the shared worker");\n  }\n};\n',
  },
  {
    from: 'var serializer_default = {',
    to: 'var Socket = class {',
    stub: 'var serializer_default = {\n  encode() { throw new Error("phoenix serializer is not available in the shared worker") },\n  decode() { throw new Error("phoenix serializer is not available in the shared worker") }\n};\n',
  },
]
function cutPhoenix(code: string): string {
  for (const cut of PHOENIX_CUTS) {
    const from = code.indexOf(cut.from)
    const to = code.indexOf(cut.to, from)
    if (from < 0 || to < 0) throw new Error(`${PHOENIX} no longer has the markers "${cut.from}" … "${cut.to}" this build cuts between`)
    code = code.slice(0, from) + cut.stub + code.slice(to)
  }
  return code
}
const hubNeverCalls = {
  name: 'shared-realtime:hub-never-calls',
  load(id: string) {
    const stub = Object.entries(WORKER_STUBS).find(([suffix]) => id.replaceAll('\\', '/').endsWith(suffix))
    return stub ? { code: stub[1], map: null } : null
  },
  transform(code: string, id: string) {
    if (!id.replaceAll('\\', '/').endsWith(PHOENIX)) return null
    return { code: cutPhoenix(code), map: null }
  },
}

export default defineConfig([
  libraryBuild({
    entry: { index: 'src/index.ts' },
    platform: 'browser',
    // The hub is an internal workspace package: the in-page fallback and the types ship inside this one.
    inline: [/^@shared-realtime\/worker/],
    plugins: [workerUrlInDist],
  }),
  selfContainedWorker({ 'shared-worker': 'src/shared-worker.ts' }, [hubNeverCalls]),
])
