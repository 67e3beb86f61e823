/**
 * A local Supabase-Realtime-compatible server on embedded Postgres (PGlite), for development, tests
 * and benchmarks. It is NOT a production server: in production, point clients at a Supabase project.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { createJwtVerifier, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from './auth.ts'
import { systemClock, type Clock } from './clock.ts'
import { openDatabase } from './db/database.ts'
import type { LocalDatabase } from './db/types.ts'
import { createControlApi } from './dev/control-api.ts'
import { corsHeaders, sendJson } from './http.ts'
import { RealtimeEngine, type EngineStats } from './realtime/engine.ts'
import { createUpgradeHandler } from './realtime/handshake.ts'
import { resolveLimits, type Limits } from './realtime/limits.ts'
import { MAX_FRAME_BYTES, type Session } from './realtime/session.ts'
import { createBroadcastHandler } from './rest/broadcast.ts'
import { createRestHandler } from './rest/postgrest.ts'

export { createJwtVerifier, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY, type JwtVerifier } from './auth.ts'
export { systemClock, type Clock } from './clock.ts'
export { DEFAULT_LIMITS, NO_LIMITS, type Limits } from './realtime/limits.ts'
export type { EngineStats as ServerStats } from './realtime/engine.ts'

export interface ServerOptions {
  /** 0 picks a free port. Default 54321, the port of the Supabase CLI's local stack. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Default: the Supabase CLI's well-known local secret (the anon/service_role keys are signed with it). */
  jwtSecret?: string
  /** Persist the embedded database here; in memory by default. Ignored when `database` is given. */
  dataDir?: string
  /** An already open database (tests). The server does not close it. */
  database?: LocalDatabase
  /** Quota overrides; `false` disables every quota (benchmarks of the one-socket-per-tab baseline). */
  limits?: Partial<Limits> | false
  /** Close sockets that sent nothing for this long (real server: 60 000 ms). */
  idleTimeoutMs?: number
  /** Delay before a refused handshake is answered (real server: 2000 ms; tests pass 0). */
  connectErrorDelayMs?: number
  /** Delay before a join error reply (real server: 5000 ms; tests pass 0). */
  channelErrorDelayMs?: number
  /** Every server timer goes through it. */
  clock?: Clock
  log?: (message: string) => void
}

export const DEFAULT_SERVER_OPTIONS = {
  port: 54321,
  host: '127.0.0.1',
  idleTimeoutMs: 60_000,
  connectErrorDelayMs: 2_000,
  channelErrorDelayMs: 5_000,
} as const satisfies Partial<ServerOptions>

export interface RealtimeServer {
  /** `http://host:port`: use it as the Supabase URL. */
  url: string
  port: number
  anonKey: string
  serviceRoleKey: string
  db: LocalDatabase
  /** Counters, joined channels and quota use, as `GET /_dev/stats` reports them. */
  stats(): EngineStats
  /** Closes every socket (1001), the HTTP server and the database it opened. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts the server. Websocket paths: `/realtime/v1/websocket` and `/socket/websocket`; REST under
 * `/rest/v1`; broadcast API under `/realtime/v1/api/broadcast`; control API under `/_dev`.
 *
 * @example
 * const server = await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
 * const supabase = createClient(server.url, server.anonKey, { realtime: { transport: WebSocket } })
 * await server.close()
 */
export async function createServer(options: ServerOptions = {}): Promise<RealtimeServer> {
  const host = options.host ?? DEFAULT_SERVER_OPTIONS.host
  const requestedPort = options.port ?? DEFAULT_SERVER_OPTIONS.port
  const clock = options.clock ?? systemClock
  const log = options.log ?? (() => {})
  const limits = resolveLimits(options.limits)
  const verifier = createJwtVerifier(options.jwtSecret ?? LOCAL_JWT_SECRET)
  const ownsDatabase = !options.database
  const db = options.database ?? (await openDatabase({ dataDir: options.dataDir }))
  const engine = new RealtimeEngine<Session>({
    db,
    verifier,
    limits,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_SERVER_OPTIONS.idleTimeoutMs,
    channelErrorDelayMs: options.channelErrorDelayMs ?? DEFAULT_SERVER_OPTIONS.channelErrorDelayMs,
    clock,
    log,
  })
  const rest = createRestHandler({ db, verifier })
  const control = createControlApi(engine)
  const broadcast = createBroadcastHandler(engine)
  // ws closes 1009 itself above maxPayload; frames between 5 MB and this are refused by the session.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES * 2 })
  const upgrade = createUpgradeHandler({
    engine,
    wss,
    connectErrorDelayMs: options.connectErrorDelayMs ?? DEFAULT_SERVER_OPTIONS.connectErrorDelayMs,
  })

  const http: Server = createHttpServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname === '/_health') return sendJson(res, 200, { ok: true })
      if (url.pathname.startsWith('/_dev/')) return await control(req, res, url.pathname)
      if (url.pathname.startsWith('/realtime/v1/api/broadcast')) return await broadcast(req, res, url)
      if (await rest(req, res)) return
      if (req.method === 'OPTIONS') {
        res.writeHead(204, corsHeaders(req))
        return void res.end()
      }
      sendJson(res, 404, { error: `not found: ${url.pathname}` })
    } catch (error) {
      log(`http error: ${String(error)}`)
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.end()
    }
  })

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that goes away mid-handshake must not crash the server.
    socket.on('error', () => {})
    upgrade(req, socket, head).catch((error: unknown) => {
      log(`upgrade error: ${String(error)}`)
      socket.destroy()
    })
  })

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(requestedPort, host, () => {
        http.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    engine.close()
    if (ownsDatabase) await db.close()
    throw error
  }
  const address = http.address()
  const port = typeof address === 'object' && address ? address.port : requestedPort
  let closing: Promise<void> | null = null

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    db,
    stats: () => engine.stats(),
    close() {
      closing ??= (async () => {
        engine.close()
        for (const client of wss.clients) client.terminate()
        wss.close()
        http.closeAllConnections()
        await new Promise<void>((resolve) => http.close(() => resolve()))
        if (ownsDatabase) await db.close()
      })()
      return closing
    },
  }
}
