import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium-path.mjs'
import { REACT_CHAT, SERVED_APPS, SERVER_PORT, VITE7_DEV_WITHOUT_CONFIG, WEBPACK_CSP_NO_WORKERS, WORK_DIR } from './apps.mjs'

/** The consumer apps (run.mjs installs and builds them first), each served as its users would serve it. */
export default defineConfig({
  testDir: '.',
  testMatch: 'consumers.spec.ts',
  outputDir: '../../test-results/consumers',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: 'list',
  use: {
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: [
    {
      command: `node start-server.mjs ${SERVER_PORT}`,
      cwd: `${WORK_DIR}/node`,
      url: `http://127.0.0.1:${SERVER_PORT}/_health`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    ...[...SERVED_APPS, VITE7_DEV_WITHOUT_CONFIG, WEBPACK_CSP_NO_WORKERS, REACT_CHAT].map(({ app, port, command }) => ({
      command,
      cwd: `${WORK_DIR}/${app}`,
      url: `http://127.0.0.1:${port}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: { NEXT_TELEMETRY_DISABLED: '1' },
    })),
  ],
})
