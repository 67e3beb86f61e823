/**
 * Input checks shared by the tab (so a bad call fails where it was made) and the hub (which never
 * trusts a port). Each returns a typed error payload, or null when the input is fine.
 */
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import { LISTEN_TYPES, MAX_RESUME_IDS, type BindingSpec, type BroadcastMessage, type SubscribeRequest } from '../protocol/wire.ts'

const invalid = (message: string) => errorPayload('invalid-argument', message)
const utf8Length = (s: string) => new TextEncoder().encode(s).length

/** Filter operators of postgres_changes (realtime-protocol.md §8.3). */
export const FILTER_OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct'] as const
const POSTGRES_EVENTS = ['*', 'INSERT', 'UPDATE', 'DELETE']
const PRESENCE_EVENTS = ['sync', 'join', 'leave', '*']
const CONFIG_KEYS = ['broadcast', 'presence', 'private', 'postgres_changes_options']

/** Checks a `column=op.value` filter; returns why it is malformed, or null. */
export function checkPostgresFilter(filter: string): string | null {
  for (const part of filter.split(/,(?![^(]*\))/)) {
    const match = /^([^=\s]+)=(not\.)?([a-z]+)\.(.*)$/s.exec(part)
    if (!match) return `malformed filter "${filter}": expected column=operator.value, e.g. id=eq.1`
    const op = match[3]
    if (!(FILTER_OPERATORS as readonly string[]).includes(op)) {
      return `unknown filter operator "${op}" in "${filter}"; use one of ${FILTER_OPERATORS.join(', ')}`
    }
    if (op === 'in' && !/^\(.*\)$/s.test(match[4])) return `\`in\` filter value must be wrapped by parentheses: "${filter}"`
  }
  return null
}

export function validateBinding(binding: unknown): RealtimeErrorPayload | null {
  if (!binding || typeof binding !== 'object') return invalid('a binding must be an object')
  const { id, type, filter } = binding as Partial<BindingSpec> & { filter?: Record<string, unknown> }
  if (typeof id !== 'number') return invalid('a binding needs a numeric id')
  if (!(LISTEN_TYPES as readonly string[]).includes(type as string)) {
    return invalid(`unknown event type "${String(type)}"; use one of ${LISTEN_TYPES.join(', ')}`)
  }
  if (!filter || typeof filter !== 'object' || Array.isArray(filter)) return invalid(`the filter of a ${type} binding must be an object`)
  if (type === 'postgres_changes') {
    const { event, schema, table, filter: rowFilter } = filter
    if (!POSTGRES_EVENTS.includes(event as string)) {
      return invalid(`postgres_changes event must be one of ${POSTGRES_EVENTS.join(', ')}, got "${String(event)}"`)
    }
    if (typeof schema !== 'string' || schema === '') return invalid('postgres_changes needs a schema, e.g. { schema: "public" }')
    if (table !== undefined && (typeof table !== 'string' || table === '')) return invalid('postgres_changes table must be a non-empty string')
    if (rowFilter !== undefined) {
      if (typeof rowFilter !== 'string') return invalid('postgres_changes filter must be a string such as "id=eq.1"')
      const problem = checkPostgresFilter(rowFilter)
      if (problem) return invalid(problem)
    }
  } else if (type === 'broadcast') {
    if (typeof filter.event !== 'string' || filter.event === '') return invalid('broadcast bindings need an event name, or "*"')
  } else if (type === 'presence') {
    if (!PRESENCE_EVENTS.includes(filter.event as string)) {
      return invalid(`presence event must be one of ${PRESENCE_EVENTS.join(', ')}, got "${String(filter.event)}"`)
    }
  }
  return null
}

export function validateBindings(bindings: unknown): RealtimeErrorPayload | null {
  if (!Array.isArray(bindings)) return invalid('bindings must be an array')
  for (const binding of bindings) {
    const problem = validateBinding(binding)
    if (problem) return problem
  }
  return null
}

export function validateTopic(topic: unknown): RealtimeErrorPayload | null {
  if (typeof topic !== 'string' || topic.trim() === '') return invalid('a channel needs a non-empty name')
  if (utf8Length(`realtime:${topic}`) > 255) return invalid('a channel name may be at most 246 bytes long')
  return null
}

export function validateSubscribeRequest(request: unknown): RealtimeErrorPayload | null {
  if (!request || typeof request !== 'object') return invalid('subscribe request must be an object')
  const { subscriptionId, topic, config, bindings } = request as Partial<SubscribeRequest>
  if (typeof subscriptionId !== 'string' || !subscriptionId) return invalid('subscribe request needs a subscriptionId')
  const topicProblem = validateTopic(topic)
  if (topicProblem) return topicProblem
  if (!config || typeof config !== 'object' || Array.isArray(config)) return invalid('channel config must be an object')
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) return invalid(`unknown channel config "${key}"; use ${CONFIG_KEYS.join(', ')}`)
  }
  if (config.broadcast?.replay && config.private !== true) {
    return invalid(`tried to use replay on public channel '${topic}'. It must be a private channel.`)
  }
  const { resume } = request as SubscribeRequest
  if (resume !== undefined && !validResume(resume)) return invalid(`resume must be { since, lastAt, ids } with at most ${MAX_RESUME_IDS} string ids`)
  return validateBindings(bindings)
}

const isTime = (n: unknown) => typeof n === 'number' && Number.isFinite(n)
function validResume(r: SubscribeRequest['resume']): boolean {
  const ids = r?.ids
  return !!r && isTime(r.since) && (r.lastAt === null || isTime(r.lastAt)) && Array.isArray(ids) && ids.length <= MAX_RESUME_IDS && ids.every((id) => typeof id === 'string')
}

export function validateBroadcast(
  message: unknown,
  options: { ttlMs?: number; messageId?: string } | undefined,
  limits: { maxPayloadBytes?: number } = {},
): RealtimeErrorPayload | null {
  if (!message || typeof message !== 'object') return invalid('send() takes { type: "broadcast", event, payload }')
  const { type, event, payload } = message as Partial<BroadcastMessage>
  if (type !== 'broadcast') return invalid(`send() supports type "broadcast" only, got "${String(type)}"; use track()/untrack() for presence`)
  if (typeof event !== 'string' || event === '') return invalid('send() needs an event name')
  if (utf8Length(event) > 255) return invalid('an event name may be at most 255 bytes long')
  if (options?.ttlMs !== undefined && (typeof options.ttlMs !== 'number' || !(options.ttlMs > 0))) {
    return invalid('ttlMs must be a positive number of milliseconds')
  }
  const max = limits.maxPayloadBytes
  if (max !== undefined) {
    const size = payloadSize(payload)
    if (size > max) return payloadTooLarge(size, max)
  }
  return null
}

/** The refusal of a payload over `limits.maxPayloadBytes` (the tab checks before sending, the hub again when it encodes). */
export function payloadTooLarge(size: number, max: number): RealtimeErrorPayload {
  return invalid(`payload is ${size} bytes, over the ${max}-byte limit (limits.maxPayloadBytes)`)
}

/** Bytes the payload takes on the wire: raw for binary, UTF-8 JSON otherwise. */
export function payloadSize(payload: unknown): number {
  if (payload instanceof ArrayBuffer) return payload.byteLength
  if (ArrayBuffer.isView(payload)) return payload.byteLength
  try {
    return utf8Length(JSON.stringify(payload ?? {}))
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

export function validateToken(token: unknown): RealtimeErrorPayload | null {
  if (token === null) return null
  if (typeof token !== 'string' || token.trim() === '') return invalid('setAuth() takes a token string, or null to sign out')
  return null
}
