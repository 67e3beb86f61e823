/**
 * Where each event of a delivery frame goes: health snapshots to the health mirror, refresh requests
 * to the token source, alerts to their listeners, and channel events to the channel that holds the
 * subscription. Pure routing: no state and no I/O of its own.
 */
import type { Alert, DeliveryFrame, HealthSnapshot, TabEvent } from '@shared-realtime/worker/protocol'

/** The receivers of one tab's events. */
export interface DemuxTargets {
  health(snapshot: HealthSnapshot): void
  /** A hub of a newer deploy runs in this browser. */
  updateAvailable(protocol: number): void
  refreshToken(): void
  alert(alert: Alert): void
  /** The channel holding this subscription, if the tab still has it. */
  channel(subscriptionId: string): { handle(event: TabEvent): void } | undefined
  /** Hub-to-tab latency of a frame that delivered at least one event to a callback. */
  latency(ms: number): void
}

/**
 * @example
 * openDeliveryPort((frame) => demuxFrame(frame, clock.now(), targets))
 */
export function demuxFrame(frame: DeliveryFrame<TabEvent>, now: number, targets: DemuxTargets): void {
  const latency = now - frame.sentAt
  for (const event of frame.events) {
    switch (event.type) {
      case 'hub/health':
        targets.health(event.health)
        break
      case 'auth/refresh':
        targets.refreshToken()
        break
      case 'hub/alert':
        targets.alert(event.alert)
        break
      case 'hub/update-available':
        targets.updateAvailable(event.protocol)
        break
      default:
        if (event.type === 'channel/event' && event.bindingIds.length > 0) targets.latency(latency)
        targets.channel(event.subscriptionId)?.handle(event)
    }
  }
}
