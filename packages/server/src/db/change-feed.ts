import type { PGlite } from '@electric-sql/pglite'
import { CHANGES_CHANNEL } from './capture-sql.ts'
import { toRowChange, type QueuedChange } from './change-payload.ts'
import type { RowChange, StoredBroadcast } from './types.ts'

const BATCH_SIZE = 200
const RETRY_MS = 50

/**
 * Reads `realtime_local.change_queue` after each commit notification and hands the rows, in id
 * (= commit) order, to the listeners. Created by `openDatabase`; not exported from the package.
 */
export interface ChangeFeed {
  onChange(listener: (change: RowChange) => void): () => void
  onBroadcast(listener: (message: StoredBroadcast) => void): () => void
  /** Reads whatever is committed and not delivered yet; resolves when delivered. */
  flush(): Promise<void>
  close(): Promise<void>
}

export async function createChangeFeed(pg: PGlite): Promise<ChangeFeed> {
  const listeners = new Set<(change: RowChange) => void>()
  const broadcastListeners = new Set<(message: StoredBroadcast) => void>()
  let lastId = 0
  let closed = false
  let running: Promise<void> | null = null
  let again = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  // Changes written before this point (migrations, seeds, a previous run) are not replayed.
  await pg.query('delete from realtime_local.change_queue')

  const drainOnce = async (): Promise<void> => {
    for (;;) {
      // Rows of a transaction still open on the one PGlite session (a caller's own `BEGIN`) carry
      // that session's xid; they are not committed yet, so skip them until their notification.
      const { rows } = await pg.query<QueuedChange>(
        `select id, schema_name, table_name, op, commit_ts, columns, record, old_record, has_pk
           from realtime_local.change_queue
          where id > $1 and txid is distinct from pg_current_xact_id_if_assigned()
          order by id
          limit ${BATCH_SIZE}`,
        [lastId],
      )
      if (rows.length === 0) return
      lastId = Number(rows[rows.length - 1].id)
      for (const row of rows) {
        if (row.op === BROADCAST_OP) emit(broadcastListeners, toStoredBroadcast(row))
        else emit(listeners, toRowChange(row))
      }
      await pg.query('delete from realtime_local.change_queue where id <= $1', [lastId])
      if (rows.length < BATCH_SIZE) return
    }
  }

  const emit = <T>(to: Set<(item: T) => void>, item: T): void => {
    for (const listener of [...to]) {
      try {
        listener(item)
      } catch (error) {
        console.error('[realtime-local] change listener threw', error)
      }
    }
  }

  const drain = (): Promise<void> => {
    if (closed) return Promise.resolve()
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await drainOnce()
        } while (again && !closed)
      } catch (error) {
        // e.g. the session is inside a failed transaction of a caller; try again shortly.
        if (!closed) {
          clearTimeout(retryTimer)
          retryTimer = setTimeout(() => void drain(), RETRY_MS)
        }
        if (!isAbortedTransaction(error)) console.error('[realtime-local] reading changes failed', error)
      } finally {
        running = null
      }
    })()
    return running
  }

  const unlisten = await pg.listen(CHANGES_CHANNEL, () => void drain())

  return {
    onChange(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    onBroadcast(listener) {
      broadcastListeners.add(listener)
      return () => void broadcastListeners.delete(listener)
    },
    flush: drain,
    async close() {
      closed = true
      clearTimeout(retryTimer)
      await running
      listeners.clear()
      broadcastListeners.clear()
      await unlisten().catch(() => undefined)
    },
  }
}

/** `op` of queue rows written by `realtime_local.capture_broadcast()` (sql/local-authorization.sql). */
const BROADCAST_OP = 'BROADCAST'

function toStoredBroadcast(row: QueuedChange): StoredBroadcast {
  const r = (row.record ?? {}) as Record<string, unknown>
  return {
    id: String(r.id),
    topic: String(r.topic),
    event: String(r.event),
    payload: r.payload,
    private: r.private === true,
    insertedAt: utcIso(r.inserted_at),
  }
}

/** `inserted_at` is a `timestamp` (UTC, no zone) in JSON: as an ISO string with `Z`, like the replay's. */
function utcIso(value: unknown): string {
  const text = String(value)
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`)
  return Number.isNaN(date.getTime()) ? text : date.toISOString()
}

function isAbortedTransaction(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '25P02'
}
