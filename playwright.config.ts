import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from './scripts/chromium-path.mjs'

/**
 * The local Realtime server for the e2e run (not 54321, so a running `npm run demo` does not clash).
 * Both ports can be moved (E2E_SERVER_PORT, E2E_PREVIEW_PORT) to run two checkouts side by side.
 */
export const E2E_SERVER_PORT = Number(process.env.E2E_SERVER_PORT ?? 54329)
export const E2E_PREVIEW_PORT = Number(process.env.E2E_PREVIEW_PORT ?? 4173)
/** The React chat example (examples/react-chat), served beside the demo. */
export const E2E_EXAMPLE_PORT = Number(process.env.E2E_EXAMPLE_PORT ?? 4174)

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  // One browser at a time: every test's tabs share the one local server, and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'test-results/e2e-report' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PREVIEW_PORT}`,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: [
    {
      command: `npm run server -- --port ${E2E_SERVER_PORT} --connect-error-delay-ms 0 --channel-error-delay-ms 0`,
      url: `http://127.0.0.1:${E2E_SERVER_PORT}/_health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
    },
    {
      command: `npx vite build --logLevel warn && npx vite preview --port ${E2E_PREVIEW_PORT}`,
      url: `http://127.0.0.1:${E2E_PREVIEW_PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      // A development build of React: StrictMode double-invokes effects only there.
      command: `NODE_ENV=development npx vite build --config examples/react-chat/vite.config.ts --logLevel warn && npx vite preview --config examples/react-chat/vite.config.ts --port ${E2E_EXAMPLE_PORT}`,
      url: `http://127.0.0.1:${E2E_EXAMPLE_PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
})
