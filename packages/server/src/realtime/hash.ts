import type { PostgresBinding } from '../db/types.ts'

/**
 * A stable integer id for a postgres_changes binding: the same params give the same id, as the real
 * server's `:erlang.phash2(params)` does (the values differ; clients only compare them).
 */
export function hashBinding(binding: PostgresBinding): number {
  const canonical = JSON.stringify(Object.keys(binding).sort().map((k) => [k, (binding as unknown as Record<string, unknown>)[k]]))
  let hash = 0x811c9dc5
  for (let i = 0; i < canonical.length; i++) {
    hash ^= canonical.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) & 0x7ffffff
}
