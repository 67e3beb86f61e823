/**
 * The HTTP side of a PostgREST request: the options its `Accept` and `Prefer` headers ask for, its
 * JSON body (16 MiB cap), and JSON replies with PostgREST's media types.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyTooLargeError, headerValue, readBody, sendJsonText } from '../http.ts'
import { RestError } from './errors.ts'

const MAX_BODY_BYTES = 16 * 1024 * 1024
export const OBJECT_MEDIA_TYPE = 'application/vnd.pgrst.object+json'

/** What the `Accept` and `Prefer` headers ask for. */
export interface RequestOptions {
  single: boolean
  stripNulls: boolean
  representation: boolean
  count: boolean
  missingDefault: boolean
  resolution: 'merge' | 'ignore' | null
}

export function requestOptions(req: IncomingMessage): RequestOptions {
  const accept = headerValue(req, 'accept') ?? ''
  const prefer = new Map<string, string>()
  for (const token of (headerValue(req, 'prefer') ?? '').split(',')) {
    const [key, value = ''] = token.trim().split('=')
    if (key) prefer.set(key, value)
  }
  const resolution = prefer.get('resolution')
  return {
    single: accept.includes(OBJECT_MEDIA_TYPE),
    stripNulls: accept.includes('nulls=stripped'),
    representation: prefer.get('return') === 'representation',
    count: ['exact', 'planned', 'estimated'].includes(prefer.get('count') ?? ''),
    missingDefault: prefer.get('missing') === 'default',
    resolution: resolution === 'merge-duplicates' ? 'merge' : resolution === 'ignore-duplicates' ? 'ignore' : null,
  }
}

/** A PostgREST JSON reply; `.single()` answers carry the object media type. */
export function sendRestJson(res: ServerResponse, status: number, body: string, head = false, object = false): void {
  sendJsonText(res, status, body, { contentType: `${object ? OBJECT_MEDIA_TYPE : 'application/json'}; charset=utf-8`, head })
}

/** The request body as JSON: 413 above 16 MiB, 400 when empty or invalid, as PostgREST answers. */
export async function readRestJson(req: IncomingMessage): Promise<unknown> {
  let body: Buffer
  try {
    body = await readBody(req, MAX_BODY_BYTES)
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new RestError(413, 'PGRST413', 'Payload Too Large')
    throw error
  }
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json')
  }
}
