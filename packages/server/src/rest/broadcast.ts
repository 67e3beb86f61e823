/**
 * `POST /realtime/v1/api/broadcast` (batch) and `…/api/broadcast/<subtopic>/events/<event>` (single), as
 * realtime-js's REST fallback and `httpSend()` call them (realtime-protocol.md §14). Both answer 202.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { authorizeWrite, emptyPolicies } from '../db/authorization.ts'
import { bearer, headerValue, readBody, sendJson } from '../http.ts'
import { roomKeyOf } from '../realtime/channel.ts'
import type { BroadcastEncoding, RealtimeEngine } from '../realtime/engine.ts'

const SINGLE_PATH = /^\/realtime\/v1\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/
const BATCH_PATH = '/realtime/v1/api/broadcast'

interface RestMessage {
  topic: string
  event: string
  payload: unknown
  private: boolean
  encoding: BroadcastEncoding
}

/**
 * @example
 * curl -X POST "$URL/realtime/v1/api/broadcast" -H "apikey: $ANON_KEY" -H 'Content-Type: application/json' \
 *   -d '{"messages":[{"topic":"room:1","event":"cursor","payload":{"x":1}}]}'
 */
export function createBroadcastHandler(engine: RealtimeEngine) {
  const verify = (token: string | null | undefined) => engine.verifier.verify(token, engine.clock.now())

  return async function handleBroadcast(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'OPTIONS') return sendJson(res, 204, undefined)
    const single = SINGLE_PATH.exec(url.pathname)
    if (!single && url.pathname !== BATCH_PATH) return sendJson(res, 404, { error: `not found: ${url.pathname}` })
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' })
    const key = headerValue(req, 'apikey') ?? url.searchParams.get('apikey') ?? bearer(req)
    const apiKey = await verify(key)
    if (!apiKey.ok) return sendJson(res, 401, { error: apiKey.error.message })
    // The user token (Authorization) decides private-channel access; the API key alone otherwise.
    const token = bearer(req)
    const user = token && token !== key ? await verify(token) : apiKey
    if (!user.ok) return sendJson(res, 401, { error: user.error.message })

    let body: Buffer
    try {
      body = await readBody(req)
    } catch (error) {
      return sendJson(res, 413, { error: (error as Error).message })
    }
    const parsed = single ? parseSingle(single, url, req, body) : parseBatch(body)
    if (!parsed.ok) return sendJson(res, parsed.status, { error: parsed.error })
    // Private messages go out only to topics whose INSERT policy lets the user write broadcasts;
    // the others are skipped silently (still 202), as the real server's batch broadcast does.
    const writable = new Map<string, Promise<boolean>>()
    const mayWrite = (topic: string) => {
      let allowed = writable.get(topic)
      if (!allowed) {
        allowed = authorizeWrite(engine.db, { topic, claims: user.claims }, emptyPolicies(), ['broadcast', 'presence'])
          .then((r) => r.ok && r.policies.broadcast.write === true)
        writable.set(topic, allowed)
      }
      return allowed
    }
    for (const m of parsed.messages) {
      if (m.private && !(await mayWrite(m.topic))) continue
      const topic = `realtime:${m.topic}`
      engine.quotas.countEvent()
      engine.broadcast(roomKeyOf(topic, m.private), topic, m.event, m.payload ?? {}, null, m.encoding)
    }
    sendJson(res, 202, undefined)
  }
}

type Parsed = { ok: true; messages: RestMessage[] } | { ok: false; status: number; error: string }

function parseSingle(match: RegExpExecArray, url: URL, req: IncomingMessage, body: Buffer): Parsed {
  const binary = (req.headers['content-type'] ?? '').includes('application/octet-stream')
  let payload: unknown
  try {
    payload = binary ? body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) : JSON.parse(body.toString('utf8') || '{}')
  } catch {
    return { ok: false, status: 422, error: 'payload is not valid JSON (send application/octet-stream for bytes)' }
  }
  return {
    ok: true,
    messages: [
      {
        topic: decodeURIComponent(match[1]),
        event: decodeURIComponent(match[2]),
        payload,
        private: url.searchParams.get('private') === 'true',
        encoding: binary ? 0 : 'text',
      },
    ],
  }
}

function parseBatch(body: Buffer): Parsed {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}')
  } catch {
    return { ok: false, status: 400, error: 'body is not valid JSON' }
  }
  const list = (parsed as { messages?: unknown } | null)?.messages
  if (!Array.isArray(list)) return { ok: false, status: 422, error: 'body must be {"messages": [{"topic", "event", "payload", "private"?}]}' }
  const messages: RestMessage[] = []
  for (const m of list as Record<string, unknown>[]) {
    if (typeof m !== 'object' || m === null || typeof m.topic !== 'string' || !m.topic || typeof m.event !== 'string') {
      return { ok: false, status: 422, error: 'each message needs a non-empty "topic" and an "event" string' }
    }
    messages.push({ topic: m.topic, event: m.event, payload: m.payload, private: m.private === true, encoding: 'text' })
  }
  return { ok: true, messages }
}
