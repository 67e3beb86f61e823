import { defineConfig } from 'vite'

/**
 * examples/react-chat as an app outside the repository builds it: the packages from their tarballs,
 * JSX through Vite's esbuild, and the one line the README asks of Vite apps (for the dev server).
 * The anon key comes from the page URL (`?key=`), so the define below is only a fallback.
 */
export default defineConfig({
  define: { __LOCAL_ANON_KEY__: JSON.stringify('') },
  esbuild: { jsx: 'automatic' },
  optimizeDeps: { exclude: ['@shared-realtime/client'] },
})
