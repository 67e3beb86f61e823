/// <reference path="../demo/src/globals.d.ts" />
// What tests and the benchmark record inside pages, beside what the demo page itself exposes
// (demo/src/globals.d.ts: `realtime`, `supabase`, `createClient`, `createSharedRealtime`, `demoConfig`).
// Each is set by the helper or spec that uses it before it is read.
import type { ResyncNotice, SharedChannel, SharedRealtime } from '@shared-realtime/client'

declare global {
  /** A callback's payload as a test recorded it (a broadcast message, a postgres change, …). */
  type RecordedEvent = Record<string, any>

  interface Window {
    // e2e/support.ts: subscribeIn, channelIn
    /** Payloads each named subscription received, in order. */
    __events: Record<string, RecordedEvent[]>
    /** Subscribe statuses each named subscription reported, in order. */
    __statuses: Record<string, string[]>
    __channels: Record<string, SharedChannel>

    // e2e/resilience.spec.ts
    __resyncs: ResyncNotice[]
    // e2e/replay.spec.ts: each notice with how many messages had arrived before it
    __notices: (ResyncNotice & { gotBefore: number })[]
    __receivedAt: number[]
    __states: string[]
    __connectedAt: number[]
    /** A second client with an `accessToken` callback that returns `__token`. */
    __auth: SharedRealtime
    __token: string

    // e2e/differential.spec.ts: [binding name, payload] per callback
    __log: [string, RecordedEvent][]
    // e2e/hidden-tabs.spec.ts: each event with the task it arrived in
    __got: { n: number; task: number }[]
    // e2e/react-chat.spec.ts: the status badge's values; StrictMode mounts (examples/react-chat main.tsx)
    __badge: string[]
    __rootEffects: number

    // bench/harness.ts: latency per event, count, first arrival, newest payload time
    __lat: number[]
    __count: number
    __firstAt: number | null
    __lastT: number
  }
}
export {}
