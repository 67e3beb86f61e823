/**
 * The link to the Realtime server: the connection state machine (connection-state.ts) and the effects
 * each transition implies, run in one place after it (query-core's `#dispatch`): client generations
 * (connection.ts), the retry and stability timers, the heartbeat's reports, out-of-chain pings and
 * the API-key probe after repeated refusals.
 */
import { Timeout, type Clock, type Random } from '../clock.ts'
import { initialConnectionState, transition, type ConnectionEvent, type ConnectionState } from './connection-state.ts'
import { Connection } from './connection.ts'
import { PROBE_AFTER_REFUSALS, probeApiKey } from './api-key-probe.ts'
import type { ChannelSocket } from '../channels/channel-deps.ts'
import type { HubMetrics } from '../health/metrics.ts'
import type { LinkHealth } from '../health/snapshot.ts'
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'
import type { ProjectRef } from '../protocol/wire.ts'

export interface SocketLinkOptions {
  project: ProjectRef
  clock: Clock
  random: Random
  transport?: unknown
  options(): ResolvedHubOptions
  auth: { token(): string | null; known(): boolean; refresh(reason: string): void }
  metrics: HubMetrics
  health: LinkHealth
  /** The topics riding on the link. */
  channels: { lostAll(reason: string, detach?: boolean): void; joinAll(): void; rateLimited(): boolean }
  onError(error: RealtimeErrorPayload): void
  /** `urgent` for status transitions, which every tab must see. */
  onChange(urgent?: boolean): void
  log?: (kind: string, message: string, data?: unknown) => void
}

export class SocketLink {
  #o: SocketLinkOptions
  #state: ConnectionState
  #connection: Connection
  #retryTimer: Timeout
  #stableTimer: Timeout
  #refusedInRow = 0

  constructor(o: SocketLinkOptions) {
    this.#o = o
    this.#state = initialConnectionState(o.clock.now())
    this.#retryTimer = new Timeout(o.clock)
    this.#stableTimer = new Timeout(o.clock)
    this.#connection = new Connection({
      project: o.project,
      clock: o.clock,
      transport: o.transport,
      log: o.log,
      timings: () => o.options(),
      token: () => o.auth.token(),
      onOpen: () => {
        this.dispatch({ type: 'opened' })
        this.ping()
      },
      onClose: (event) => this.#onSocketClose(event),
      onHeartbeat: (status, latency) => this.#onHeartbeat(status, latency),
      onBytes: (direction, bytes) => o.metrics.count(direction === 'in' ? 'bytesIn' : 'bytesOut', bytes),
    })
  }

  get state(): ConnectionState {
    return this.#state
  }

  get client() {
    return this.#connection.client
  }

  /** The current client generation as channel groups use it; null while there is none. */
  socket(): ChannelSocket | null {
    return this.#connection.client ? this.#connection : null
  }

  /** Joins may go out: the token is known, the current client holds it, and a connection is wanted (§15.1). */
  canJoin(): boolean {
    const { status } = this.#state
    return this.#o.auth.known() && this.#connection.authorized && (status === 'connecting' || status === 'connected')
  }

  /** Pushes may go out. */
  connected(): boolean {
    return this.#state.status === 'connected' && this.#connection.isOpen()
  }

  dispatch(event: ConnectionEvent): void {
    const { clock, options } = this.#o
    const prev = this.#state
    const next = transition(prev, event, clock.now(), options(), this.#o.random)
    if (next === prev) return
    this.#state = next
    this.#o.log?.('hub', `${prev.status} → ${next.status} (${next.reason})`)
    const restart = next.status === 'connecting' && (prev.status !== 'connecting' || next.attempt !== prev.attempt)
    if (next.status !== 'connected') this.#stableTimer.clear()
    if (next.status !== 'reconnecting' && next.status !== 'circuit-open') this.#retryTimer.clear()
    if (restart) this.#openClient()
    else if (next.status !== 'connecting' && next.status !== 'connected') this.#closeClient(next.reason)
    if (next.status === 'connected' && prev.status !== 'connected') {
      this.#o.health.openedAt = clock.now()
      this.#o.metrics.count('connects')
      this.#stableTimer.set(options().backoff.stableAfterMs, () => this.dispatch({ type: 'stable' }))
    }
    if ((next.status === 'reconnecting' || next.status === 'circuit-open') && next.retryAt !== null) {
      if (next.status === 'reconnecting') this.#o.metrics.count('reconnects')
      this.#retryTimer.set(next.retryAt - clock.now(), () => this.dispatch({ type: 'retry-due' }))
    }
    this.#o.onChange(next.status !== prev.status)
  }

  /** Starts or stops the socket depending on whether anything needs it. */
  reconcile(needed: boolean): void {
    const { status } = this.#state
    if (needed && status === 'idle') this.dispatch({ type: 'start' })
    if (!needed && status !== 'idle' && status !== 'paused' && status !== 'closed') this.dispatch({ type: 'stop' })
  }

  #openClient(): void {
    this.#closeClient('replaced by a new attempt')
    this.#connection.connect()
    this.#o.metrics.count('socketsOpened')
    void this.joinAll()
  }

  /** Every group hears the loss first; then the generation and its channel instances go. */
  #closeClient(reason: string): void {
    if (!this.#connection.client) return
    this.#o.health.openedAt = null
    this.#o.channels.lostAll(reason, true)
    this.#connection.close(reason)
  }

  /** Joins every wanted topic once the current client holds the token (never token-less, §15.1). */
  async joinAll(): Promise<void> {
    if (!this.#connection.client || !this.#o.auth.known()) return
    if (await this.#connection.authorize()) this.#o.channels.joinAll()
  }

  #onSocketClose({ opened, code, reason: why }: { opened: boolean; code: number; reason?: string }): void {
    const reason = opened ? `socket closed: ${code}${why ? ` (${why})` : ''}` : `connection refused (${code})`
    const rateLimited = this.#o.channels.rateLimited()
    this.#refusedInRow = opened ? 0 : this.#refusedInRow + 1
    this.#o.onError(errorPayload('connection-lost', reason, true))
    this.#o.channels.lostAll(reason)
    this.dispatch({ type: 'closed', reason, rateLimited })
    if (this.#refusedInRow === PROBE_AFTER_REFUSALS) void this.#probeApiKey()
  }

  async #probeApiKey(): Promise<void> {
    const refused = await probeApiKey(this.#o.project)
    if (!refused) return
    this.#o.onError(refused)
    this.dispatch({ type: 'fatal', reason: refused.message })
  }

  #onHeartbeat(status: string, latency?: number): void {
    if (status === 'ok' && typeof latency === 'number') {
      this.#o.health.recordLatency(latency)
      this.#o.onChange()
    } else if (status === 'timeout' || status === 'error') {
      this.#o.onError(errorPayload('timeout', `heartbeat ${status}`, true))
    } else if (status === 'sent') {
      this.#o.metrics.count('heartbeats')
      this.#o.auth.refresh('heartbeat')
    }
  }

  /** Verifies the link with one round trip; no answer in `timeoutMs` counts as a dropped socket. */
  ping(): void {
    this.#connection.ping(
      (rtt) => {
        this.#o.health.recordLatency(rtt)
        this.#o.onChange()
      },
      () => {
        if (this.#state.status !== 'connected') return
        this.#o.onError(errorPayload('timeout', 'ping timed out', true))
        this.#o.channels.lostAll('ping timeout')
        this.dispatch({ type: 'closed', reason: 'ping timed out' })
      },
    )
  }

  /** New heartbeat or timeout settings reach the running client. */
  retime(): void {
    this.#connection.retime()
  }

  close(): void {
    this.dispatch({ type: 'dispose' })
    this.#closeClient('hub closed')
    this.#retryTimer.clear()
    this.#stableTimer.clear()
  }
}
