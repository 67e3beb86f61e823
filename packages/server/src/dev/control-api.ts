/**
 * `/_dev/*`: the control API that tests, benchmarks and the demo use to observe the server and to
 * inject faults. Loopback peers only, `Authorization: Bearer <service_role key>`, JSON in and out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { bearer, isLoopback, readJson, sendJson } from '../http.ts'
import type { RealtimeEngine } from '../realtime/engine.ts'
import { checkLimit, type Limits } from '../realtime/limits.ts'
import type { Session } from '../realtime/session.ts'

type Body = Record<string, unknown>
type Handler = (body: Body) => Promise<unknown> | unknown

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

function durationOf(body: Body, name = 'ms'): number {
  const value = body[name]
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 86_400_000) {
    throw new ControlError(400, `"${name}" must be a number of milliseconds from 0 to 86400000`)
  }
  return value
}

/**
 * @example
 * curl -X POST http://127.0.0.1:54321/_dev/drop -H "Authorization: Bearer $SERVICE_ROLE_KEY" -d '{"code":1012}'
 */
export function createControlApi(engine: RealtimeEngine<Session>) {
  const now = () => engine.clock.now()
  const post: Record<string, Handler> = {
    reset: () => {
      engine.reset()
      return { ok: true }
    },
    drop: (body) => {
      const code = body.code
      if (code !== undefined && !isSendableCloseCode(code)) {
        throw new ControlError(400, '"code" must be a close code a server may send (1000–1003, 1007–1014, 3000–4999), or 1006 / no code for an abrupt drop')
      }
      const sessions = [...engine.sessions].filter((s) => !s.faultExempt)
      for (const session of sessions) {
        if (code === undefined || code === 1006) session.terminate()
        else {
          if (code === 1012) {
            for (const join of session.joins.values()) {
              session.system(join, 'system', 'ok', 'Server requested disconnect')
            }
          }
          session.close(code)
        }
      }
      return { dropped: sessions.length }
    },
    stall: (body) => {
      engine.faults.stallUntil = now() + durationOf(body)
      return { stallUntil: engine.faults.stallUntil }
    },
    refuse: (body) => {
      engine.faults.refuseUntil = now() + durationOf(body)
      return { refuseUntil: engine.faults.refuseUntil }
    },
    latency: (body) => {
      engine.faults.latencyMs = durationOf(body)
      return { latencyMs: engine.faults.latencyMs }
    },
    'expire-tokens': () => {
      let closed = 0
      for (const session of [...engine.sessions]) if (!session.faultExempt) closed += session.expireTokens()
      return { closed }
    },
    sql: async (body) => {
      if (typeof body.query !== 'string' || !body.query.trim()) throw new ControlError(400, '"query" must be an SQL string')
      if (body.params !== undefined && !Array.isArray(body.params)) throw new ControlError(400, '"params" must be an array')
      try {
        if (body.params === undefined && hasSeveralStatements(body.query)) {
          await engine.db.exec(body.query)
          return { rows: [], fields: [] }
        }
        const result = await engine.db.query(body.query, body.params as unknown[] | undefined)
        return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows }
      } catch (error) {
        throw new ControlError(400, (error as Error).message)
      }
    },
    limits: (body) => {
      const patch: Partial<Limits> = {}
      for (const [key, value] of Object.entries(body)) {
        const problem = checkLimit(key, value)
        if (problem) throw new ControlError(400, problem)
        ;(patch as Record<string, number>)[key] = value as number
      }
      engine.setLimits(patch)
      return engine.limits
    },
  }
  const get: Record<string, Handler> = {
    stats: () => engine.stats(),
    limits: () => engine.limits,
  }

  return async function handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'OPTIONS') return sendJson(res, 204, undefined)
    if (!isLoopback(req)) return sendJson(res, 403, { error: 'the control API answers loopback clients only' })
    const token = bearer(req)
    const verified = token ? await engine.verifier.verify(token, now()) : null
    if (!verified?.ok || verified.claims.role !== 'service_role') {
      return sendJson(res, 401, { error: 'the control API needs Authorization: Bearer <service_role key>' })
    }
    const name = path.slice('/_dev/'.length)
    const handler = req.method === 'GET' ? get[name] : req.method === 'POST' ? post[name] : undefined
    if (!handler) return sendJson(res, 404, { error: `no control endpoint ${req.method} ${path}` })
    const body = req.method === 'POST' ? await readJson(req) : { ok: true as const, value: {} }
    if (!body.ok) return sendJson(res, 400, { error: body.error })
    if (!body.value || typeof body.value !== 'object' || Array.isArray(body.value)) return sendJson(res, 400, { error: 'body must be a JSON object' })
    try {
      sendJson(res, 200, await handler(body.value as Body))
    } catch (error) {
      if (error instanceof ControlError) return sendJson(res, error.status, { error: error.message })
      sendJson(res, 500, { error: String(error) })
    }
  }
}

/** Close codes a close frame may carry (RFC 6455 §7.4), plus 1006 which means "terminate". */
function isSendableCloseCode(code: unknown): code is number {
  if (typeof code !== 'number' || !Number.isInteger(code)) return false
  return code === 1006 || (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005) || (code >= 3000 && code <= 4999)
}

/** A crude splitter check: `;` followed by more SQL outside quotes. */
function hasSeveralStatements(sql: string): boolean {
  const stripped = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""')
  return stripped.split(';').filter((s) => s.trim()).length > 1
}
