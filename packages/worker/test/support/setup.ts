/**
 * Builders for integration tests: the real hub and real tab clients in one Node realm, joined by
 * MessageChannels (Comlink's same-window pattern), against the local server.
 */
import WebSocket from 'ws'
import { createHub, type Hub, type HubEnvironment } from '../../src/index.ts'
import { createSharedRealtime, type SharedRealtime, type SharedRealtimeOptions } from '../../../client/src/index.ts'

export interface TestServer {
  url: string
  anonKey: string
  serviceRoleKey: string
  close(): Promise<void>
}

export interface HubHandle {
  hub: Hub
  tabs: SharedRealtime[]
  openTab(options?: SharedRealtimeOptions): SharedRealtime
  cleanup(): Promise<void>
}

export function setupHub(server: TestServer, env: HubEnvironment = {}, defaults: SharedRealtimeOptions = {}): HubHandle {
  const hub = createHub({ transport: WebSocket, ...env })
  const ports: MessagePort[] = []
  const tabs: SharedRealtime[] = []
  const openTab = (options: SharedRealtimeOptions = {}) => {
    const tab = createSharedRealtime(server.url, server.anonKey, {
      ...defaults,
      ...options,
      endpoint: () => {
        const { port1, port2 } = new MessageChannel()
        ports.push(port1, port2)
        hub.connect(port2)
        return port1
      },
    })
    tabs.push(tab)
    return tab
  }
  return {
    hub,
    tabs,
    openTab,
    async cleanup() {
      await Promise.all(tabs.map((t) => t.close()))
      hub.close()
      for (const port of ports) port.close()
    },
  }
}

/** Calls the local server's control API. */
export async function dev<T = any>(server: TestServer, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}/_dev/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${server.serviceRoleKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`/_dev/${path} → ${response.status} ${text}`)
  return (text ? JSON.parse(text) : null) as T
}

/** Polls until `check` returns a truthy value (no fixed sleeps). */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
      last = value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export function subscribed(channel: { subscribe(cb: (status: string, err?: Error) => void): unknown }): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve()
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status))
    })
  })
}
