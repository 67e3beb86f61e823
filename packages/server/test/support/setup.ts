import { afterEach } from 'vitest'
import { createServer, type RealtimeServer, type ServerOptions } from '../../src/index.ts'
import { createFakeDatabase, type FakeDatabase } from './fake-database.ts'

export interface TestServer extends RealtimeServer {
  fakeDb: FakeDatabase
  wsUrl: string
  logs: string[]
  /** Calls the control API with the service_role key. */
  control(path: string, body?: unknown, init?: { method?: string; token?: string | null }): Promise<{ status: number; body: any }>
}

const open: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
})

/** A server on an ephemeral port with a fake database; closed (with its clients) after each test. */
export async function setupServer(options: ServerOptions = {}): Promise<TestServer> {
  const fakeDb = createFakeDatabase()
  const logs: string[] = []
  const server = await createServer({
    port: 0,
    connectErrorDelayMs: 0,
    channelErrorDelayMs: 0,
    database: fakeDb,
    log: (m) => logs.push(m),
    ...options,
  })
  open.push(() => server.close())
  const handle: TestServer = Object.assign(server, {
    fakeDb,
    logs,
    wsUrl: server.url.replace(/^http/, 'ws'),
    async control(path: string, body?: unknown, init: { method?: string; token?: string | null } = {}) {
      const token = init.token === undefined ? server.serviceRoleKey : init.token
      const response = await fetch(`${server.url}/_dev/${path}`, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      const text = await response.text()
      return { status: response.status, body: text ? JSON.parse(text) : undefined }
    },
  })
  return handle
}

/** Registers a cleanup that runs after the test (before the servers close). */
export function onCleanup(close: () => Promise<void> | void): void {
  open.push(async () => {
    await close()
  })
}
