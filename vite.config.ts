import { defaultClientConditions, defineConfig } from 'vite'
import { LOCAL_ANON_KEY, LOCAL_JWT_SECRET } from './packages/server/src/auth.ts'

// The demo app. The SharedWorker must be an ES module worker so its dynamic imports split cleanly
// (browser-platform.md §10.3); the worker's dependencies are pre-bundled so a cold run never reloads.
export default defineConfig({
  root: 'demo',
  publicDir: false,
  define: {
    __LOCAL_ANON_KEY__: JSON.stringify(LOCAL_ANON_KEY),
    // The local server's well-known JWT secret, for the demo's staff sign-in (demo/src/local-token.ts).
    __LOCAL_JWT_SECRET__: JSON.stringify(LOCAL_JWT_SECRET),
  },
  // Workspace packages resolve to their sources (the `source` export condition), so no build is needed.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  worker: { format: 'es' },
  optimizeDeps: { include: ['comlink', 'idb-keyval', '@supabase/supabase-js', '@supabase/realtime-js'] },
  build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
})
