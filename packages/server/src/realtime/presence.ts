/**
 * Presence state of every room (realtime-protocol.md §7): key → metas, each meta tagged with a
 * `phx_ref`. Pure bookkeeping; the engine sends the diffs it returns.
 */

export type PresenceMeta = Record<string, unknown> & { phx_ref: string; phx_ref_prev?: string }
export type PresenceEntries = Record<string, { metas: PresenceMeta[] }>
export interface PresenceDiff {
  joins: PresenceEntries
  leaves: PresenceEntries
}

/** Who tracks: one channel join (identity only; the registry never reads it). */
export interface PresenceOwner {
  roomKey: string
  presenceKey: string
}

export interface PresenceRegistry {
  state(roomKey: string): PresenceEntries
  /** `null` when nothing changed (same payload tracked again). */
  track(owner: PresenceOwner, payload: Record<string, unknown>): PresenceDiff | null
  /** `null` when the owner tracked nothing. */
  untrack(owner: PresenceOwner): PresenceDiff | null
  clear(): void
}

/**
 * @example
 * const presence = createPresenceRegistry({ nextRef: () => crypto.randomUUID() })
 * const diff = presence.track(join, { name: 'ada' }) // { joins: { [join.presenceKey]: { metas: [...] } }, leaves: {} }
 */
export function createPresenceRegistry(options: { nextRef: () => string }): PresenceRegistry {
  /** roomKey → presence key → phx_ref → meta. */
  const rooms = new Map<string, Map<string, Map<string, PresenceMeta>>>()
  /** The meta each owner currently tracks (one per channel join, as in Phoenix). */
  const tracked = new Map<PresenceOwner, PresenceMeta>()

  function metasOf(owner: PresenceOwner): Map<string, PresenceMeta> {
    let room = rooms.get(owner.roomKey)
    if (!room) rooms.set(owner.roomKey, (room = new Map()))
    let metas = room.get(owner.presenceKey)
    if (!metas) room.set(owner.presenceKey, (metas = new Map()))
    return metas
  }

  function remove(owner: PresenceOwner, meta: PresenceMeta): void {
    const room = rooms.get(owner.roomKey)
    const metas = room?.get(owner.presenceKey)
    metas?.delete(meta.phx_ref)
    if (metas?.size === 0) room?.delete(owner.presenceKey)
    if (room?.size === 0) rooms.delete(owner.roomKey)
  }

  return {
    state(roomKey) {
      const state: PresenceEntries = {}
      for (const [key, metas] of rooms.get(roomKey) ?? []) state[key] = { metas: [...metas.values()] }
      return state
    },
    track(owner, payload) {
      const previous = tracked.get(owner)
      if (previous && sameMeta(previous, payload)) return null
      const meta: PresenceMeta = { ...payload, phx_ref: options.nextRef() }
      const leaves: PresenceEntries = {}
      if (previous) {
        // Re-track = update: the old meta leaves, the new one joins carrying `phx_ref_prev` (Phoenix).
        remove(owner, previous)
        meta.phx_ref_prev = previous.phx_ref
        leaves[owner.presenceKey] = { metas: [previous] }
      }
      metasOf(owner).set(meta.phx_ref, meta)
      tracked.set(owner, meta)
      return { joins: { [owner.presenceKey]: { metas: [meta] } }, leaves }
    },
    untrack(owner) {
      const previous = tracked.get(owner)
      if (!previous) return null
      tracked.delete(owner)
      remove(owner, previous)
      return { joins: {}, leaves: { [owner.presenceKey]: { metas: [previous] } } }
    },
    clear() {
      rooms.clear()
      tracked.clear()
    },
  }
}

function sameMeta(meta: PresenceMeta, payload: Record<string, unknown>): boolean {
  const { phx_ref: _ref, phx_ref_prev: _prev, ...rest } = meta
  return JSON.stringify(rest) === JSON.stringify(payload)
}
