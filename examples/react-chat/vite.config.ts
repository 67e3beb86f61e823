import { defineConfig, defaultClientConditions } from 'vite'
import { LOCAL_ANON_KEY } from '../../packages/server/src/auth.ts'

/**
 * The React chat example. JSX goes through esbuild (no React plugin: no fast refresh, one dependency
 * fewer). `source` resolves the workspace packages to their TypeScript sources until they are built;
 * the SharedWorker is an ES module worker, as in the demo.
 */
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  define: { __LOCAL_ANON_KEY__: JSON.stringify(LOCAL_ANON_KEY) },
  esbuild: { jsx: 'automatic' },
  resolve: { conditions: ['source', ...defaultClientConditions] },
  worker: { format: 'es' },
  optimizeDeps: { include: ['comlink', 'idb-keyval', '@supabase/supabase-js', 'react', 'react-dom/client'] },
  build: { outDir: '../../dist/react-chat', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1', port: 4240, strictPort: true },
  preview: { host: '127.0.0.1', port: 4241, strictPort: true },
})
