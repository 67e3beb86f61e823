import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Workspace packages resolve to their sources (the `source` export condition): tests need no build.
  // No `browser` condition even for the jsdom project: its tests run the hub and realtime-js in Node,
  // and `browser` would resolve `ws` to its stub that throws.
  resolve: { conditions: ['source', ...defaultClientConditions.filter((c) => c !== 'browser')] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    restoreMocks: true,
    sequence: { shuffle: true },
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: ['packages/server/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'worker',
          include: ['packages/worker/test/**/*.test.ts', 'packages/client/test/**/*.test.ts', 'scripts/chaos/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        // React hooks in a DOM (jsdom); files that render on a server say `@vitest-environment node`.
        esbuild: { jsx: 'automatic' },
        test: {
          name: 'react',
          include: ['packages/react/test/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
