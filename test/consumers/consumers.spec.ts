/**
 * Every consumer app, installed from the packed tarballs: two tabs share one websocket at the server
 * and a broadcast from tab 1 reaches tab 2. A wrong worker URL gives a typed error, not a hang.
 */
import { expect, test, type Page } from '@playwright/test'
import { LOCAL_ANON_KEY, LOCAL_SERVICE_ROLE_KEY } from '../../packages/server/src/auth.ts'
import { REACT_CHAT, SERVED_APPS, SERVER_PORT, VITE7_DEV_WITHOUT_CONFIG, WEBPACK_CSP_NO_WORKERS } from './apps.mjs'

const SERVER_URL = `http://127.0.0.1:${SERVER_PORT}`

async function serverSockets(): Promise<number> {
  const response = await fetch(`${SERVER_URL}/_dev/stats`, { headers: { Authorization: `Bearer ${LOCAL_SERVICE_ROLE_KEY}` } })
  return ((await response.json()) as { sockets: number }).sockets
}

function appUrl(port: number, params: Record<string, string> = {}): string {
  return `http://127.0.0.1:${port}/?${new URLSearchParams({ server: SERVER_URL, key: LOCAL_ANON_KEY, ...params })}`
}

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(page.locator('#status')).toHaveText('SUBSCRIBED')
}

for (const { name, port } of SERVED_APPS) for (const withoutSharedWorker of [false, true]) {
  // Without SharedWorker the tabs elect a leader: the election is a lazy chunk every bundler must emit.
  test(`${name}${withoutSharedWorker ? ', no SharedWorker (leader election)' : ''}: two tabs, one socket, a broadcast reaches the other tab`, async ({ context }) => {
    if (withoutSharedWorker) await context.addInitScript(() => delete (window as { SharedWorker?: unknown }).SharedWorker)
    // The previous test's context (and its SharedWorker) is gone: its socket closes at the server.
    await expect.poll(serverSockets).toBe(0)
    const [tab1, tab2] = [await context.newPage(), await context.newPage()]
    await open(tab1, appUrl(port))
    await open(tab2, appUrl(port))
    await expect.poll(serverSockets).toBe(1)

    const status = await tab1.evaluate(() =>
      (window as any).channel.send({ type: 'broadcast', event: 'ping', payload: { from: 'tab 1' } }),
    )
    expect(status).toBe('ok')
    await expect(tab2.locator('#received')).toHaveText('1')
    expect(await tab2.evaluate(() => (window as any).received)).toEqual([{ from: 'tab 1' }])
    expect(await serverSockets()).toBe(1)
    if (withoutSharedWorker) {
      const modes = await Promise.all([tab1, tab2].map((tab) => tab.evaluate(() => (window as any).realtime.getHealthStatus().mode)))
      expect(modes.sort()).toEqual(['follower', 'leader'])
    }
  })
}

test('a wrong endpoint URL gives a typed worker-load-failed error within timeoutMs', async ({ page }) => {
  const { port } = SERVED_APPS[0]
  const started = Date.now()
  // The fixture passes timeoutMs: 5000 with an endpoint.
  await page.goto(appUrl(port, { endpoint: '/no-such-worker.js' }))
  await expect(page.locator('#status')).toHaveText('CHANNEL_ERROR', { timeout: 5_000 })
  await expect(page.locator('#error')).toContainText('worker-load-failed')
  await expect(page.locator('#error')).toContainText('endpoint')
  expect(Date.now() - started).toBeLessThan(10_000)
  const code = await page.evaluate(() => (window as any).realtime.getPerformanceMetrics().then(() => 'resolved', (e: { code: string }) => e.code))
  expect(code).toBe('worker-load-failed')
})

test('Vite 7 dev server without optimizeDeps.exclude: a typed error that names the fix, not a hang', async ({ page }) => {
  await page.goto(appUrl(VITE7_DEV_WITHOUT_CONFIG.port))
  await expect(page.locator('#status')).toHaveText('CHANNEL_ERROR')
  await expect(page.locator('#error')).toContainText('worker-load-failed')
  await expect(page.locator('#error')).toContainText("optimizeDeps: { exclude: ['@shared-realtime/client'] }")
})

test('a Content-Security-Policy that blocks the worker: a typed error naming worker-src', async ({ page }) => {
  await page.goto(appUrl(WEBPACK_CSP_NO_WORKERS.port))
  await expect(page.locator('#status')).toHaveText('CHANNEL_ERROR')
  await expect(page.locator('#error')).toContainText('worker-load-failed')
  await expect(page.locator('#error')).toContainText('worker-src')
})

test('examples/react-chat from the packed packages: two tabs, one socket, a message reaches the other tab once', async ({ context }) => {
  await expect.poll(serverSockets).toBe(0)
  const room = `consumer-${Date.now()}`
  const url = `http://127.0.0.1:${REACT_CHAT.port}/?${new URLSearchParams({ url: SERVER_URL, key: LOCAL_ANON_KEY, name: 'ann', room })}`
  const [tab1, tab2] = [await context.newPage(), await context.newPage()]
  for (const tab of [tab1, tab2]) {
    await tab.goto(url)
    await expect(tab.getByTestId('status')).toHaveAttribute('data-status', 'connected')
  }
  await expect.poll(serverSockets).toBe(1)
  await tab1.getByRole('textbox', { name: 'message' }).fill('hello from tab 1')
  await tab1.getByRole('button', { name: 'Send' }).click()
  // A second message as the barrier: once it is rendered, a duplicate of the first would be too.
  await tab1.getByRole('textbox', { name: 'message' }).fill('marker')
  await tab1.getByRole('button', { name: 'Send' }).click()
  await expect(tab2.getByTestId('messages').locator('li')).toHaveText(['ann hello from tab 1', 'ann marker'])
  await expect(tab2.getByTestId('presence').locator('li')).toHaveText(['ann'])
  expect(await serverSockets()).toBe(1)
})
