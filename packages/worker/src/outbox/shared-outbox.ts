/**
 * The environment of a hub whose outbox store other hubs of the origin share (IndexedDB): the owner
 * lock over Web Locks and the notes over a BroadcastChannel. Takes the globals as arguments, so that
 * only the entry files touch them. Without Web Locks the hub owns alone, as before (no coordination).
 */
import { createWebLocksOwner } from './owner-lock.ts'
import { createChannelOutboxSignal } from './outbox-signal.ts'
import { OUTBOX_CHANNEL_NAME } from '../protocol/names.ts'
import type { HubEnvironment } from '../hub.ts'

export function sharedOutboxEnvironment(
  locks: Parameters<typeof createWebLocksOwner>[0] | undefined,
  Channel: (new (name: string) => Parameters<typeof createChannelOutboxSignal>[0]) | undefined,
): Pick<HubEnvironment, 'ownerLock' | 'outboxSignal'> {
  if (!locks || !Channel) return {}
  return { ownerLock: createWebLocksOwner(locks), outboxSignal: createChannelOutboxSignal(new Channel(OUTBOX_CHANNEL_NAME)) }
}
