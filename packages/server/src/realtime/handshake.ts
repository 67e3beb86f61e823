/**
 * The websocket handshake of the real server (realtime-protocol.md §1.2), checked before the socket
 * opens: path, vsn, API key (a JWT with `role` and `exp`), the concurrent-user and joins quotas.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocketServer } from 'ws'
import { sleep } from '../clock.ts'
import { isRefusing } from '../dev/faults.ts'
import { headerValue } from '../http.ts'
import { SUPPORTED_VSN, type Vsn } from './codec.ts'
import type { RealtimeEngine } from './engine.ts'
import { Session } from './session.ts'

/** Query parameter that exempts a socket from the control API's faults (drop, stall, refuse, latency, expire-tokens). */
export const FAULT_EXEMPT_PARAM = 'dev_fault_exempt'

export const WEBSOCKET_PATHS: readonly string[] = ['/realtime/v1/websocket', '/socket/websocket']

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
}

export interface UpgradeHandlerOptions {
  engine: RealtimeEngine<Session>
  wss: WebSocketServer
  /** The real server sleeps 2000 ms before answering a refused handshake. */
  connectErrorDelayMs: number
}

export function createUpgradeHandler({ engine, wss, connectErrorDelayMs }: UpgradeHandlerOptions) {
  return async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const refuse = async (status: number, error?: string): Promise<void> => {
      // Only the JSON errors are delayed (CONNECT_ERROR_BACKOFF_MS); 403/404/503 answer at once.
      if (error !== undefined && connectErrorDelayMs > 0) await sleep(engine.clock, connectErrorDelayMs)
      if (socket.destroyed) return
      const body = error === undefined ? '' : JSON.stringify({ error })
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
          (body ? 'Content-Type: application/json\r\n' : '') +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
    }
    if (!WEBSOCKET_PATHS.includes(url.pathname)) return refuse(404)
    // A socket opened with `dev_fault_exempt=1` (a test's observer) is untouched by injected faults.
    const exempt = url.searchParams.get(FAULT_EXEMPT_PARAM) === '1'
    if (!exempt && isRefusing(engine.faults, engine.clock.now())) return refuse(503)
    const vsn = url.searchParams.get('vsn') ?? '1.0.0'
    if (!(SUPPORTED_VSN as readonly string[]).includes(vsn)) return refuse(403)
    // The header wins over the query parameter.
    const key = headerValue(req, 'x-api-key') ?? url.searchParams.get('apikey')
    const verified = await engine.verifier.verify(key, engine.clock.now())
    if (!verified.ok) return refuse(401, verified.error.message)
    const limits = engine.limits
    if (engine.concurrentUsers() >= limits.maxConcurrentUsers) return refuse(429, 'Too many connected users')
    if (engine.quotas.overJoinRate()) return refuse(429, 'Too many joins per second')
    if (socket.destroyed) return
    wss.handleUpgrade(req, socket, head, (ws) => {
      new Session(engine, ws, vsn as Vsn, String(key), { faultExempt: exempt })
    })
  }
}
