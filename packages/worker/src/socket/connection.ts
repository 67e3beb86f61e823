/**
 * The socket's client generations: each connection attempt gets a fresh RealtimeClient. The official
 * client adds listeners on every connect() (realtime-protocol.md §15.2) and never gives up on its own
 * schedule (§15.9), so its reconnect timer is disabled and the client is rebuilt instead; a stale
 * generation's callbacks are dropped by comparing generation numbers (phoenix `connectClock`).
 * Every reach into realtime-js internals goes through realtime-internals.ts.
 */
import { RealtimeClient, type RealtimeChannel } from '@supabase/realtime-js'
import { Timeout, withDeadline, type Clock } from '../clock.ts'
import { disableReconnectTimer, disableRejoinTimer, meterConnection, phoenixSocketOf, removeChannel } from '../realtime-internals.ts'
import type { ChannelSocket } from '../channels/channel-deps.ts'
import type { ProjectRef } from '../protocol/wire.ts'

/** Timers longer than this overflow in browsers; realtime-js's own empty-channel disconnect is parked here. */
const NEVER_MS = 2_147_000_000

export interface ConnectionOptions {
  project: ProjectRef
  clock: Clock
  /** A WebSocket constructor for runtimes without a global one (Node tests). */
  transport?: unknown
  timings(): { heartbeatIntervalMs: number; timeoutMs: number }
  token(): string | null
  /** The current generation's socket opened. */
  onOpen(): void
  /** The current generation's socket closed; `opened` tells a refused handshake from a dropped link. */
  onClose(event: { opened: boolean; code: number; reason?: string }): void
  onHeartbeat(status: string, latency?: number): void
  onBytes(direction: 'in' | 'out', bytes: number): void
  log?: (kind: string, message: string, data?: unknown) => void
}

export class Connection implements ChannelSocket {
  #o: ConnectionOptions
  #client: RealtimeClient | null = null
  #generation = 0
  /** The generation whose client has the token in hand (set after awaiting its setAuth). */
  #authorized = -1
  /** Deadlines of pings in flight, cleared with their generation. */
  #pings = new Set<Timeout>()

  constructor(options: ConnectionOptions) {
    this.#o = options
  }

  get client(): RealtimeClient | null {
    return this.#client
  }

  get generation(): number {
    return this.#generation
  }

  /** The current client holds the token (its setAuth settled or timed out): channels may join. */
  get authorized(): boolean {
    return this.#client !== null && this.#authorized === this.#generation
  }

  isOpen(): boolean {
    return this.#client?.isConnected() === true
  }

  /** Starts a new generation: a fresh client, connecting. */
  connect(): void {
    this.close('replaced by a new attempt')
    const generation = ++this.#generation
    const current = () => generation === this.#generation
    const o = this.#o
    const { heartbeatIntervalMs, timeoutMs } = o.timings()
    const client = new RealtimeClient(o.project.realtimeUrl, {
      params: { apikey: o.project.apiKey },
      // worker:true needs a nested Worker, which a SharedWorker does not have (§15.5).
      worker: false,
      ...(o.transport ? { transport: o.transport as never } : {}),
      timeout: timeoutMs,
      heartbeatIntervalMs,
      heartbeatCallback: (status, latency) => current() && o.onHeartbeat(status, latency),
      accessToken: async () => o.token(),
      disconnectOnEmptyChannelsAfterMs: NEVER_MS,
      reconnectAfterMs: () => NEVER_MS,
      logger: (kind, msg, data) => o.log?.(kind, msg, data),
    })
    const socket = phoenixSocketOf(client)
    // The hub owns the retry schedule (jitter, breaker): phoenix's own reconnect timer must never fire.
    disableReconnectTimer(client)
    let opened = false
    socket.onOpen(() => {
      if (!current()) return
      opened = true
      o.onOpen()
    })
    socket.onClose((event) => {
      if (current()) o.onClose({ opened, code: event?.code ?? 1006, reason: event?.reason })
    })
    this.#client = client
    client.connect()
    meterConnection(client, (bytes) => o.onBytes('in', bytes), (bytes) => o.onBytes('out', bytes))
  }

  /** Ends the current generation (its channels are torn down without waiting for the server). */
  close(reason: string): boolean {
    const client = this.#client
    if (!client) return false
    this.#client = null
    this.#generation++
    for (const timer of this.#pings) timer.clear()
    this.#pings.clear()
    for (const channel of [...client.channels]) channel.teardown()
    client.channels = []
    phoenixSocketOf(client).disconnect(() => {}, 1000, reason)
    return true
  }

  /**
   * Defect §15.1: subscribe() snapshots the join payload before setAuth() settles, so the client's
   * setAuth() is awaited before any join, with a deadline of our own (issue #12: no await on
   * supabase-js without one). Resolves whether the generation is still current.
   */
  async authorize(): Promise<boolean> {
    const client = this.#client
    const generation = this.#generation
    if (!client) return false
    const authed = await withDeadline(this.#o.clock, client.setAuth().then(() => 'ok' as const), this.#o.timings().timeoutMs).catch(() => 'failed' as const)
    if (generation !== this.#generation) return false
    if (authed !== 'ok') this.#o.log?.('hub', `setAuth() ${authed}; joining with the token in hand`)
    this.#authorized = generation
    return true
  }

  /** A round trip outside the heartbeat chain (never sendHeartbeat(): §15.3), with our own timeout. */
  ping(onRtt: (ms: number) => void, onTimeout: () => void): void {
    const client = this.#client
    if (!client) return
    const generation = this.#generation
    const timer = new Timeout(this.#o.clock)
    const sent = phoenixSocketOf(client).ping((rtt: number) => {
      timer.clear()
      this.#pings.delete(timer)
      if (generation === this.#generation) onRtt(rtt)
    })
    if (!sent) return
    this.#pings.add(timer)
    timer.set(this.#o.timings().timeoutMs, () => {
      this.#pings.delete(timer)
      if (generation === this.#generation) onTimeout()
    })
  }

  /** New heartbeat or timeout settings reach the running client at once. */
  retime(): void {
    if (!this.#client) return
    const socket = phoenixSocketOf(this.#client)
    const { heartbeatIntervalMs, timeoutMs } = this.#o.timings()
    socket.heartbeatIntervalMs = heartbeatIntervalMs
    socket.timeout = timeoutMs
  }

  remove(channel: RealtimeChannel): void {
    if (this.#client) removeChannel(this.#client, channel)
  }

  channel(topic: string, config: object): RealtimeChannel {
    const channel = this.#client!.channel(topic, { config })
    // The group schedules rejoins itself (jitter, refusal classes); phoenix's own timer must stay idle (§15.9).
    disableRejoinTimer(channel)
    return channel
  }
}
