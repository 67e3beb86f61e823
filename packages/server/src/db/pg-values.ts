/**
 * Comparison of a change's typed-JSON value (realtime-protocol.md §8.2) with a filter's text value,
 * by the column's Postgres type, as `'<value>'::<type> <op> '<filter>'::<type>` would compare them
 * in the real server. Also accepts the older wal2json text forms (`"t"`, `"1"`, `"{1,2}"`).
 */

type Kind = 'number' | 'bool' | 'time' | 'json' | 'array' | 'ci-text' | 'bpchar' | 'text'

const NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid', 'xid', 'cid'])
const TIME_TYPES = new Set(['timestamptz', 'timestamp', 'date'])

export function kindOf(type: string): Kind {
  if (type.startsWith('_')) return 'array'
  if (NUMBER_TYPES.has(type)) return 'number'
  if (type === 'bool') return 'bool'
  if (TIME_TYPES.has(type)) return 'time'
  if (type === 'json' || type === 'jsonb') return 'json'
  if (type === 'citext' || type === 'uuid') return 'ci-text'
  if (type === 'bpchar') return 'bpchar'
  return 'text'
}

/** `-1 | 0 | 1`, or `null` when either side cannot be read as the type (the cast would fail). */
export function compareAs(type: string, value: unknown, filterText: string): number | null {
  const kind = kindOf(type)
  if (kind === 'array') return compareArrays(type.slice(1), toArray(value), parseArrayLiteral(filterText))
  const left = normalize(kind, value)
  const right = normalize(kind, filterText)
  if (left === null || right === null) return null
  if (kind === 'json') return left === right ? 0 : (left as string) < (right as string) ? -1 : 1
  if (typeof left === 'number' && typeof right === 'number') {
    if (Number.isNaN(left) || Number.isNaN(right)) {
      // Postgres orders NaN above every number and equal to itself.
      return Number.isNaN(left) === Number.isNaN(right) ? 0 : Number.isNaN(left) ? 1 : -1
    }
  }
  return left === right ? 0 : left < right ? -1 : 1
}

/** Text form of a value for LIKE / regex matching (`value::text`). */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}

/** Parses a one-dimensional Postgres array literal `{a,"b,c",NULL}`; unquoted NULL → null. */
export function parseArrayLiteral(text: string): (string | null)[] | null {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return null
  const body = trimmed.slice(1, -1)
  const items: (string | null)[] = []
  if (body.trim() === '') return items
  let i = 0
  while (i <= body.length) {
    while (body[i] === ' ') i++
    let item = ''
    let quoted = false
    if (body[i] === '"') {
      quoted = true
      i++
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++
        item += body[i] ?? ''
        i++
      }
      i++ // closing quote
      while (i < body.length && body[i] !== ',') i++
    } else {
      while (i < body.length && body[i] !== ',') {
        if (body[i] === '\\') i++
        item += body[i] ?? ''
        i++
      }
      item = item.trim()
    }
    items.push(!quoted && item.toUpperCase() === 'NULL' ? null : item)
    i++ // comma
  }
  return items
}

function normalize(kind: Kind, value: unknown): number | string | null {
  switch (kind) {
    case 'number':
      return toNumber(value)
    case 'bool':
      return toBool(value)
    case 'time':
      return toTime(value)
    case 'json':
      return toCanonicalJson(value)
    case 'ci-text':
      return asText(value).toLowerCase()
    case 'bpchar':
      return asText(value).replace(/ +$/, '')
    default:
      return asText(value)
  }
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value !== 'string') return null
  const text = value.trim()
  if (/^nan$/i.test(text)) return Number.NaN
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null
  return Number(text)
}

const TRUE_WORDS = new Set(['t', 'true', 'y', 'yes', 'on', '1'])
const FALSE_WORDS = new Set(['f', 'false', 'n', 'no', 'off', '0'])

function toBool(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value !== 'string') return null
  const word = value.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return 1
  if (FALSE_WORDS.has(word)) return 0
  return null
}

function toTime(value: unknown): number | null {
  if (typeof value !== 'string') return null
  let text = value.trim().replace(' ', 'T')
  if (/^infinity$/i.test(text)) return Infinity
  if (/^-infinity$/i.test(text)) return -Infinity
  // No zone → UTC (the real server's session time zone); `+00` → `+00:00` for Date.parse.
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z'
  text = text.replace(/(T[\d:.]+[+-]\d{2})$/, '$1:00')
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? null : ms
}

function toCanonicalJson(value: unknown): string | null {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch {
      return null
    }
  }
  return stableStringify(parsed)
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function toArray(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value
  if (typeof value === 'string') return parseArrayLiteral(value)
  return null
}

function compareArrays(elementType: string, left: unknown[] | null, right: (string | null)[] | null): number | null {
  if (!left || !right) return null
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const a = left[i]
    const b = right[i]
    if (a === null || b === null) {
      // Postgres sorts NULL elements after non-null ones.
      if (a === null && b === null) continue
      return a === null ? 1 : -1
    }
    const order = compareAs(elementType, a, b)
    if (order === null) return null
    if (order !== 0) return order
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1
}
