/**
 * The environment of a hub that shares the origin with other hubs (in-page fallbacks, leader tabs, an
 * old deploy's worker): the outbox owner lock over Web Locks, the outbox notes and the version
 * announcements over BroadcastChannels. Takes the globals as arguments, so that only the entry files
 * touch them. Without Web Locks the hub owns its outbox alone, as before (no coordination).
 */
import { createWebLocksOwner } from './outbox/owner-lock.ts'
import { createChannelOutboxSignal } from './outbox/outbox-signal.ts'
import { VERSION_CHANNEL_NAME } from './deploy/version-announcer.ts'
import { OUTBOX_CHANNEL_NAME } from './protocol/names.ts'
import type { HubEnvironment } from './hub.ts'

export function originHubEnvironment(
  locks: Parameters<typeof createWebLocksOwner>[0] | undefined,
  Channel: (new (name: string) => Parameters<typeof createChannelOutboxSignal>[0]) | undefined,
): Pick<HubEnvironment, 'ownerLock' | 'outboxSignal' | 'versionChannel'> {
  if (!Channel) return {}
  const versionChannel = new Channel(VERSION_CHANNEL_NAME)
  if (!locks) return { versionChannel }
  return { ownerLock: createWebLocksOwner(locks), outboxSignal: createChannelOutboxSignal(new Channel(OUTBOX_CHANNEL_NAME)), versionChannel }
}
