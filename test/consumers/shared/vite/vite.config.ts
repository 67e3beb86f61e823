import { defineConfig } from 'vite'

export default defineConfig({
  // The one line the README asks of Vite apps: the dev pre-bundler would move the client away from
  // its shared-worker.js (build and preview need nothing).
  optimizeDeps: { exclude: ['@shared-realtime/client'] },
})
