import type { LocalDatabase, StoredBroadcast } from './types.ts'

/**
 * Replay of Broadcast from Database on join (`config.broadcast.replay`, realtime-protocol.md §6):
 * the join payload read the way the real server reads it, and `Realtime.Messages.replay`'s query.
 * Delivery of live messages is `realtime/stored-broadcast-router.ts`'s.
 */

/** The real server's hard limit on replayed messages. */
export const MAX_REPLAY_LIMIT = 25
/** `limit` when the client sends none (`replay_params["limit"] || 25`). */
export const DEFAULT_REPLAY_LIMIT = 25

export const REPLAY_PUBLIC_CHANNEL = 'UnableToReplayMessages: Replay is not allowed for public channels'
export const REPLAY_INVALID_PARAMS = 'UnableToReplayMessages: Replay params are not valid'
export const REPLAY_FAILED = 'UnableToReplayMessages: Realtime was unable to replay messages'

/** Elixir's `DateTime.from_unix/2` range in milliseconds (years -9999 to 9999). */
const MIN_SINCE_MS = -377_705_116_800_000
const MAX_SINCE_MS = 253_402_300_799_999

export type ReplayRequest =
  | { kind: 'none' }
  | { kind: 'replay'; since: number; limit: number }
  | { kind: 'refused'; reason: string }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Reads `config.broadcast.replay`: any `replay` key on a public channel is refused; on a private
 * one a map needs integer `since` (ms since the epoch) and an integer or absent `limit` (clamped to
 * 1..25); anything other than a map means no replay.
 *
 * @example
 * parseReplay({ broadcast: { replay: { since: 0, limit: 100 } } }, true) // → { kind: 'replay', since: 0, limit: 25 }
 * parseReplay({ broadcast: { replay: { since: 0 } } }, false)            // → { kind: 'refused', reason: REPLAY_PUBLIC_CHANNEL }
 */
export function parseReplay(config: Record<string, unknown>, isPrivate: boolean): ReplayRequest {
  const broadcast = config.broadcast
  if (!isObject(broadcast) || !('replay' in broadcast)) return { kind: 'none' }
  if (!isPrivate) return { kind: 'refused', reason: REPLAY_PUBLIC_CHANNEL }
  const replay = broadcast.replay
  if (!isObject(replay)) return { kind: 'none' }
  const since = replay.since
  // `limit || 25`: null, false and absent fall back to the default.
  const limit = replay.limit === undefined || replay.limit === null || replay.limit === false ? DEFAULT_REPLAY_LIMIT : replay.limit
  if (!Number.isInteger(since) || !Number.isInteger(limit)) return { kind: 'refused', reason: REPLAY_INVALID_PARAMS }
  if ((since as number) < MIN_SINCE_MS || (since as number) > MAX_SINCE_MS) return { kind: 'refused', reason: REPLAY_INVALID_PARAMS }
  return { kind: 'replay', since: since as number, limit: Math.max(1, Math.min(MAX_REPLAY_LIMIT, limit as number)) }
}

/**
 * The newest `limit` private broadcast rows of `topic` inserted at or after `since`, oldest first.
 * Rejects when the query fails (the caller answers `REPLAY_FAILED`).
 *
 * @example
 * const messages = await fetchReplay(db, 'room:1', Date.now() - 60_000, 10)
 */
export async function fetchReplay(db: LocalDatabase, topic: string, since: number, limit: number): Promise<StoredBroadcast[]> {
  const { rows } = await db.query<{ id: string; event: string; payload: unknown; inserted_at: Date | string }>(
    'select id, event, payload, inserted_at from realtime_local.replay($1::text, $2::bigint, $3::int)',
    [topic, since, limit],
  )
  return rows.map((row) => ({
    id: row.id,
    topic,
    event: row.event,
    payload: row.payload,
    private: true,
    insertedAt: row.inserted_at instanceof Date ? row.inserted_at.toISOString() : String(row.inserted_at),
  }))
}
