/**
 * Names that the hub and the tabs must spell the same way, defined once. Tiny pure functions, no
 * globals: the client imports them from `@shared-realtime/worker/protocol`.
 */
import type { ProjectRef } from './wire.ts'

/** The Web Lock a tab holds for its whole life; the hub's grant of the same name means the tab is gone. */
export function tabLockName(tabId: string): string {
  return `shared-realtime:tab:${tabId}`
}

/** The Web Lock a hub holds for its whole life; its release tells tabs that the hub is gone. */
export function hubLifetimeLockName(epoch: string): string {
  return `shared-realtime:hub:${epoch}`
}

/** One hub per Supabase project: the Realtime URL and the API key. */
export function projectKey(project: ProjectRef): string {
  return `${project.realtimeUrl}|${project.apiKey}`
}

/** The Web Lock whose holder alone flushes and deletes a project's stored outbox (outbox/owner-lock.ts). */
export function outboxLockName(projectKey: string): string {
  return `shared-realtime:outbox:${projectKey}`
}

/** The BroadcastChannel on which the hubs of an origin coordinate their outboxes. */
export const OUTBOX_CHANNEL_NAME = 'shared-realtime:outbox'
