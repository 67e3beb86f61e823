// Bundles the client entry as an app's bundler would (minified ESM, code splitting) so size-limit
// measures the entry alone: the in-page fallback hub is a chunk loaded only without SharedWorker.
import { build } from 'esbuild'
import { join } from 'node:path'
import { ROOT } from './published-packages.mjs'

export const SIZE_DIR = join(ROOT, 'node_modules/.cache/size-bundle')

await build({
  entryPoints: { 'client-entry': join(ROOT, 'packages/client/dist/index.js') },
  outdir: SIZE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  platform: 'browser',
  target: 'es2022',
  // Peers and what only the lazily loaded hub imports are not part of the entry.
  external: ['@supabase/realtime-js', '@supabase/supabase-js', 'idb-keyval', './shared-worker.js'],
  logLevel: 'warning',
})
