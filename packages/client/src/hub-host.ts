/**
 * What this tab does with its hub connection's events: the hello it sends, where delivered events go
 * (through the demux), what a new hub is told (token, channels, presence) and what a lost one means
 * for the channels. Built from the tab's modules, not from the SharedRealtime facade.
 */
import type { Alert, Clock } from '@shared-realtime/worker/protocol'
import type { ChannelRegistry } from './channel-registry.ts'
import type { Listeners } from './disposable.ts'
import type { HealthMirror } from './health/health-mirror.ts'
import type { DeliveryLatency } from './health/delivery-latency.ts'
import type { TokenSource } from './auth/token-source.ts'
import type { HubConnectionHost } from './hub/hub-connection.ts'
import { demuxFrame } from './delivery/event-demux.ts'
import { pageState } from './page-lifecycle.ts'

export interface TabParts {
  clock: Clock
  health: HealthMirror
  tokens: TokenSource
  channels: ChannelRegistry
  latency: DeliveryLatency
  alerts: Listeners<Alert>
  hubConnected: Listeners<{ epoch: string; restarted: boolean }>
  /** A hub of a newer deploy runs in this browser. */
  updateAvailable(info: { protocol: number }): void
}

/**
 * @example
 * const hub = new HubConnection(options, createHubHost({ clock, health, tokens, channels, latency, alerts, hubConnected }))
 */
export function createHubHost({ clock, health, tokens, channels, latency, alerts, hubConnected, updateAvailable }: TabParts): HubConnectionHost {
  return {
    hello: () => ({ token: tokens.current ?? null, tokenPending: tokens.pending, ...pageState() }),
    timeoutMs: () => health.timeoutMs,
    onFrame: (frame) =>
      demuxFrame(frame, clock.now(), {
        health: (snapshot) => health.set(snapshot),
        refreshToken: () => void tokens.refresh(),
        alert: (alert) => alerts.emit(alert),
        updateAvailable: (protocol) => updateAvailable({ protocol }),
        channel: (id) => channels.bySubscription(id),
        latency: (ms) => latency.record(ms),
      }),
    connected: (conn, restarted) => {
      const endpoint = conn.endpoint
      if (endpoint.mode) health.setMode(() => ({ mode: endpoint.mode, leaderEpoch: endpoint.leaderEpoch ?? null, ignoredMessages: endpoint.ignoredMessages }))
      health.set(conn.health)
      // The hub waits for the first answer of the app's accessToken callback before it joins anything.
      if (tokens.pending) void tokens.refresh()
      hubConnected.emit({ epoch: conn.epoch, restarted })
    },
    lost: (error, since) => {
      for (const channel of channels.all()) channel.hubLost(error, since)
    },
    // Re-registers this tab on a new hub, without the app doing anything: its token, then its channels.
    restore: async (call) => {
      const token = tokens.current
      if (token !== undefined) await call('setAuth()', (api) => api.setAuth(token))
      await channels.restore(call)
    },
  }
}
