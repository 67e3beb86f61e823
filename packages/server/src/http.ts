/**
 * The HTTP helpers every endpoint shares (REST, REST broadcast, the control API, health): one CORS
 * policy, JSON replies, request bodies with a size cap, and request headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Headers supabase-js and postgrest-js send, allowed when a preflight does not list its own. */
const DEFAULT_ALLOWED_HEADERS =
  'authorization, x-client-info, apikey, content-type, prefer, accept-profile, content-profile, range, x-supabase-api-version'

/**
 * CORS for browser apps served from another origin (a Vite dev server): any origin, the headers the
 * preflight asks for, and the response headers postgrest-js reads.
 */
export function corsHeaders(req: IncomingMessage | undefined): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': headerValue(req, 'access-control-request-headers') ?? DEFAULT_ALLOWED_HEADERS,
    'Access-Control-Expose-Headers': 'Content-Range, Content-Location, Location, Preference-Applied',
    'Access-Control-Max-Age': '86400',
  }
}

/** Sets the CORS headers on a response before its `writeHead`. */
export function applyCors(res: ServerResponse): void {
  for (const [name, value] of Object.entries(corsHeaders(res.req))) res.setHeader(name, value)
}

/** A JSON reply; `undefined` sends an empty body (204, 202). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, body === undefined ? '' : JSON.stringify(body))
}

/** An already serialised JSON reply; `head` sends the headers only (HEAD requests). */
export function sendJsonText(res: ServerResponse, status: number, text: string, options: { contentType?: string; head?: boolean } = {}): void {
  applyCors(res)
  res.writeHead(status, {
    ...(text ? { 'Content-Type': options.contentType ?? 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(options.head ? undefined : text)
}

/** A request body over its size cap (the caller answers 413). */
export class BodyTooLargeError extends Error {
  readonly code = 'body_too_large'
  constructor(readonly maxBytes: number) {
    super('body too large')
  }
}

/** Reads a body with a size cap; rejects with `BodyTooLargeError` above it (the request is then destroyed). */
export async function readBody(req: IncomingMessage, maxBytes = 10_000_000): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** A JSON body (an empty one is `{}`), or the message for a 400 reply. */
export async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  let body: Buffer
  try {
    body = await readBody(req)
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  }
  if (body.length === 0) return { ok: true, value: {} }
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) }
  } catch {
    return { ok: false, error: 'body is not valid JSON' }
  }
}

/** The first value of a request header. */
export function headerValue(req: IncomingMessage | undefined, name: string): string | undefined {
  const value = req?.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearer(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization') ?? '')
  return match ? match[1].trim() : null
}

export function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? ''
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}
