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

export default defineConfig([
  libraryBuild({
    entry: { index: 'src/index.ts' },
    platform: 'browser',
    // The hub is an internal workspace package: the in-page fallback and the types ship inside this one.
    inline: [/^@shared-realtime\/worker/],
    plugins: [workerUrlInDist],
  }),
  selfContainedWorker({ 'shared-worker': 'src/shared-worker.ts' }),
])
