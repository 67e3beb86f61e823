/**
 * `POST /realtime/v1/api/broadcast` (batch) and `…/api/broadcast/<topic>/events/<event>` (single), as
 * realtime-js's REST fallback and `httpSend()` call them (realtime-protocol.md §14).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JwtVerifier } from './auth.ts'
import type { RealtimeEngine } from './realtime/engine.ts'
import { bearer, readBody, sendJson } from './http-util.ts'

export function createBroadcastHandler(engine: RealtimeEngine, verifier: JwtVerifier) {
  return async function handleBroadcast(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'OPTIONS') return sendJson(res, 204, undefined)
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' })
    const key = (req.headers.apikey as string | undefined) ?? url.searchParams.get('apikey') ?? bearer(req)
    const verified = await verifier.verify(key)
    if (!verified.ok) return sendJson(res, 401, { error: verified.error.message })
    const token = bearer(req)
    if (token && token !== key) {
      const user = await verifier.verify(token)
      if (!user.ok) return sendJson(res, 401, { error: user.error.message })
    }
    let body: Buffer
    try {
      body = await readBody(req)
    } catch (error) {
      return sendJson(res, 413, { error: (error as Error).message })
    }
    const single = /^\/realtime\/v1\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(url.pathname)
    if (single) {
      const topic = decodeURIComponent(single[1])
      const event = decodeURIComponent(single[2])
      const isPrivate = url.searchParams.get('private') === 'true'
      const binary = (req.headers['content-type'] ?? '').includes('application/octet-stream')
      let payload: unknown
      try {
        payload = binary ? body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) : JSON.parse(body.toString('utf8'))
      } catch {
        return sendJson(res, 422, { error: 'payload is not valid JSON' })
      }
      send(topic, event, payload, isPrivate, binary ? 0 : 'text')
      return sendJson(res, 202, undefined)
    }
    let parsed: { messages?: unknown }
    try {
      parsed = JSON.parse(body.toString('utf8') || '{}')
    } catch {
      return sendJson(res, 400, { error: 'body is not valid JSON' })
    }
    if (!Array.isArray(parsed?.messages)) return sendJson(res, 422, { error: '"messages" must be an array' })
    for (const m of parsed.messages as Record<string, unknown>[]) {
      if (!m || typeof m.topic !== 'string' || typeof m.event !== 'string') {
        return sendJson(res, 422, { error: 'each message needs a topic and an event' })
      }
    }
    for (const m of parsed.messages as Record<string, unknown>[]) send(m.topic as string, m.event as string, m.payload, m.private === true, 'text')
    sendJson(res, 202, undefined)
  }

  function send(subtopic: string, event: string, payload: unknown, isPrivate: boolean, encoding: 0 | 'text'): void {
    const topic = `realtime:${subtopic}`
    engine.events.add()
    engine.broadcast(`${isPrivate ? 'private' : 'public'}:${topic}`, topic, event, payload ?? {}, null, encoding)
  }
}
