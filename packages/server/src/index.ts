/**
 * A local Supabase-Realtime-compatible server on embedded Postgres (PGlite), for development, tests
 * and benchmarks. It is NOT a production server: in production, point clients at a Supabase project.
 *
 * @example
 * const server = await createServer({ port: 0 })
 * const realtime = createClient(server.url, server.anonKey)
 * await server.close()
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { createJwtVerifier, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY, type JwtVerifier } from './auth.ts'
import { openDatabase } from './db/database.ts'
import type { LocalDatabase } from './db/types.ts'
import { createRestHandler } from './rest/postgrest.ts'
import { createControlApi } from './control-api.ts'
import { createBroadcastHandler } from './rest-broadcast.ts'
import { CORS_HEADERS, sendJson } from './http-util.ts'
import { RealtimeEngine } from './realtime/engine.ts'
import { Session } from './realtime/session.ts'
import { SUPPORTED_VSN, type Vsn } from './realtime/codec.ts'
import { DEFAULT_LIMITS, NO_LIMITS, type Limits } from './realtime/limits.ts'

export { createJwtVerifier, LOCAL_ANON_KEY, LOCAL_JWT_SECRET, LOCAL_SERVICE_ROLE_KEY } from './auth.ts'
export { DEFAULT_LIMITS, NO_LIMITS, type Limits } from './realtime/limits.ts'
export { openDatabase } from './db/database.ts'

export interface ServerOptions {
  /** 0 picks a free port. Default 54321, the port of the Supabase CLI's local stack. */
  port?: number
  host?: string
  jwtSecret?: string
  /** Persist the embedded database here; in memory by default. */
  dataDir?: string
  /** An already open database (tests). */
  database?: LocalDatabase
  /** `false` disables every quota (benchmarks of the one-socket-per-tab baseline). */
  limits?: Partial<Limits> | false
  /** Close sockets that sent nothing for this long (real server: 60 s). */
  idleTimeoutMs?: number
  /** Delay before a refused handshake is answered (real server: 2000 ms). */
  connectErrorDelayMs?: number
  /** Delay before a join error reply (real server: 5000 ms). */
  channelErrorDelayMs?: number
  log?: (message: string) => void
}

export interface RealtimeServer {
  /** `http://host:port`: use it as the Supabase URL. */
  url: string
  port: number
  anonKey: string
  serviceRoleKey: string
  db: LocalDatabase
  engine: RealtimeEngine
  stats(): ReturnType<RealtimeEngine['stats']>
  close(): Promise<void>
}

const WEBSOCKET_PATHS = new Set(['/realtime/v1/websocket', '/socket/websocket'])

export async function createServer(options: ServerOptions = {}): Promise<RealtimeServer> {
  const host = options.host ?? '127.0.0.1'
  const secret = options.jwtSecret ?? LOCAL_JWT_SECRET
  const verifier = createJwtVerifier(secret)
  const ownsDatabase = !options.database
  const db = options.database ?? (await openDatabase({ dataDir: options.dataDir }))
  const log = options.log ?? (() => {})
  const limits = options.limits === false ? NO_LIMITS : { ...DEFAULT_LIMITS, ...options.limits }
  const engine = new RealtimeEngine({
    db,
    verifier,
    limits,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    channelErrorDelayMs: options.channelErrorDelayMs ?? 5_000,
    log,
  })
  const connectErrorDelayMs = options.connectErrorDelayMs ?? 2_000
  const rest = createRestHandler({ db, verifier })
  const control = createControlApi(engine, verifier)
  const broadcast = createBroadcastHandler(engine, verifier)
  const wss = new WebSocketServer({ noServer: true, maxPayload: 50 * 1024 * 1024 })

  const http: Server = createHttpServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname === '/_health') return sendJson(res, 200, { ok: true })
      if (url.pathname.startsWith('/_dev/')) return await control(req, res, url.pathname)
      if (url.pathname.startsWith('/realtime/v1/api/broadcast')) return await broadcast(req, res, url)
      if (await rest(req, res)) return
      if (req.method === 'OPTIONS') {
        res.writeHead(204, CORS_HEADERS)
        return res.end()
      }
      sendJson(res, 404, { error: `not found: ${url.pathname}` })
    } catch (error) {
      log(`http error: ${String(error)}`)
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.end()
    }
  })

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {})
    void handleUpgrade(req, socket, head).catch((error) => {
      log(`upgrade error: ${String(error)}`)
      socket.destroy()
    })
  })

  /** The handshake checks of the real server (realtime-protocol.md §1.2), before the socket opens. */
  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const refuseWith = async (status: number, error?: string) => {
      if (error !== undefined && connectErrorDelayMs > 0) await new Promise((r) => setTimeout(r, connectErrorDelayMs))
      const body = error === undefined ? '' : JSON.stringify({ error })
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Not Found'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
    }
    if (!WEBSOCKET_PATHS.has(url.pathname)) return refuseWith(404)
    if (Date.now() < engine.faults.refuseUntil) return refuseWith(503)
    const vsn = (url.searchParams.get('vsn') ?? '1.0.0') as Vsn
    if (!SUPPORTED_VSN.includes(vsn)) return refuseWith(403)
    const headerKey = req.headers['x-api-key']
    const key = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? url.searchParams.get('apikey')
    const verified = await verifier.verify(key)
    if (!verified.ok) return refuseWith(401, verified.error.message)
    if (engine.concurrentUsers() >= engine.limits.maxConcurrentUsers) return refuseWith(429, 'Too many connected users')
    wss.handleUpgrade(req, socket, head, (ws) => {
      new Session(engine, ws, vsn, decodeURIComponent(String(key)).trim())
    })
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 54321, host, () => {
      http.off('error', reject)
      resolve()
    })
  })
  const address = http.address()
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 54321)
  let closing: Promise<void> | null = null

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    anonKey: LOCAL_ANON_KEY,
    serviceRoleKey: LOCAL_SERVICE_ROLE_KEY,
    db,
    engine,
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
