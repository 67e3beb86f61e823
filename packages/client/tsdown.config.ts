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
 * - parts of phoenix and of RealtimeClient, cut out of their source (`CUTS` below).
 */
const WORKER_STUBS: Record<string, string> = {
  '/@supabase/realtime-js/dist/module/lib/websocket-factory.js': 'export default { getWebSocketConstructor: () => WebSocket }',
  '/@supabase/realtime-js/dist/module/RealtimePostgresFilterBuilder.js':
    'export class RealtimePostgresFilterBuilder {}\nexport function postgresChangesFilter() { throw new Error("postgresChangesFilter is not available in the shared worker") }',
}
interface Cut {
  from: string
  to: string
  stub: string
}
/**
 * Parts of a dependency's source the hub never runs, each cut between two markers (the build fails if
 * a marker moves, rather than silently shipping a bigger file).
 */
const CUTS: Record<string, Cut[]> = {
  '/@supabase/phoenix/priv/static/phoenix.mjs': [
    // `Ajax` keeps only `serialize`/`appendParams`, which `Socket.endPointURL` uses; the requests are LongPoll's.
    { from: 'var Ajax = class {', to: '  static serialize(obj, parentKey) {', stub: 'var Ajax = class {\n' },
    // phoenix falls back to LongPoll only without a WebSocket or with `longPollFallbackMs`, which
    // realtime-js never sets; the class stays, throwing if ever constructed.
    { from: 'var LongPoll = class {', to: 'var Presence = class', stub: 'var LongPoll = class {\n  constructor() { unavailable("LongPoll") }\n};\n' },
    // realtime-js always passes its own `encode`/`decode` to the Socket (RealtimeClient's
    // `_initializeOptions`), so phoenix's default serializer is bound but never called.
    {
      from: 'var serializer_default = {',
      to: 'var Socket = class {',
      stub: 'var serializer_default = {\n  encode() { unavailable("phoenix serializer") },\n  decode() { unavailable("phoenix serializer") }\n};\n',
    },
  ],
  // The `worker: true` heartbeat (a Worker made from a script blob): the hub never sets the option.
  '/@supabase/realtime-js/dist/module/RealtimeClient.js': [
    { from: '    _startWorkerHeartbeat() {', to: '    /**\n     * Terminate the Web Worker', stub: '    _startWorkerHeartbeat() { unavailable("worker heartbeat") }\n' },
    { from: '    _workerObjectUrl(url) {', to: '    /**\n     * Initialize socket options', stub: '    _workerObjectUrl() { unavailable("worker heartbeat") }\n' },
  ],
}
const UNAVAILABLE = '\nfunction unavailable(what) {\n  throw new Error(`${what} is not available in the shared worker`);\n}\n'

function cut(file: string, code: string, cuts: Cut[]): string {
  for (const { from, to, stub } of cuts) {
    const start = code.indexOf(from)
    const end = code.indexOf(to, start)
    if (start < 0 || end < 0) throw new Error(`${file} no longer has the markers "${from}" … "${to}" this build cuts between`)
    code = code.slice(0, start) + stub + code.slice(end)
  }
  return code + UNAVAILABLE
}

const hubNeverCalls = {
  name: 'shared-realtime:hub-never-calls',
  load(id: string) {
    const stub = Object.entries(WORKER_STUBS).find(([suffix]) => id.replaceAll('\\', '/').endsWith(suffix))
    return stub ? { code: stub[1], map: null } : null
  },
  transform(code: string, id: string) {
    const entry = Object.entries(CUTS).find(([suffix]) => id.replaceAll('\\', '/').endsWith(suffix))
    return entry ? { code: cut(entry[0], code, entry[1]), map: null } : null
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
