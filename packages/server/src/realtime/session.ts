/**
 * One websocket: frames in and out, heartbeats, the idle timeout, and its joined channels (join,
 * leave, broadcast, presence, token refresh and expiry), with the real server's replies and errors.
 */
import type { WebSocket } from 'ws'
import { compileBinding } from '../db/filters.ts'
import { checkSubscription } from '../db/subscriptions.ts'
import { canReadPrivate, isRealtimeTopic, prepareJoin, type ChannelJoin } from './channel-join.ts'
import { decodeBinary, decodeText, encodeText, FrameError, payloadBytes, type DecodedMessage, type Message, type Vsn } from './codec.ts'
import type { RealtimeEngine } from './engine.ts'

/** Frames above this are refused with close 1009, as the real server does (§1.2). */
export const MAX_FRAME_BYTES = 5_000_000
const PRESENCE_CALLS_WINDOW_MS = 30_000
/** Token expiry is re-checked at least this often (§11). */
const MAX_EXPIRY_CHECK_MS = 5 * 60_000

export class Session {
  readonly joins = new Map<string, ChannelJoin>()
  readonly vsn: Vsn
  #ws: WebSocket
  #engine: RealtimeEngine
  #connectKey: string
  #idleTimer: unknown
  #latencyTimers = new Set<unknown>()
  /** When the last delayed frame leaves (injected latency keeps frame order). */
  #sendChain = 0
  /** Inbound frames are handled one after another, even when one awaits (token checks). */
  #inbox: Promise<void> = Promise.resolve()
  #closed = false

  constructor(engine: RealtimeEngine, ws: WebSocket, vsn: Vsn, connectKey: string) {
    this.#engine = engine
    this.#ws = ws
    this.vsn = vsn
    this.#connectKey = connectKey
    engine.sessions.add(this)
    engine.counters.socketsTotal++
    ws.on('message', (data, isBinary) => this.#onFrame(toBuffer(data), isBinary))
    ws.on('close', () => this.#onClosed())
    ws.on('error', (error) => engine.log(`socket error: ${error.message}`))
    this.#armIdle()
  }

  get closed(): boolean {
    return this.#closed
  }

  // ---- output ----------------------------------------------------------------------------

  send(message: Message): void {
    this.#write(encodeText(message, this.vsn))
  }

  /** A server push (`[null, null, topic, event, payload]`). */
  push(topic: string, event: string, payload: unknown): void {
    this.send({ joinRef: null, ref: null, topic, event, payload })
  }

  sendBinary(bytes: Uint8Array): void {
    this.#write(bytes)
  }

  #write(data: string | Uint8Array): void {
    if (this.#closed) return
    const clock = this.#engine.clock
    const latency = this.#engine.faults.latencyMs
    const go = () => {
      if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return
      this.#engine.counters.framesOut++
      this.#ws.send(data)
    }
    const now = clock.now()
    if (latency <= 0 && this.#sendChain <= now) return go()
    // Each delayed frame leaves no earlier than the one before it, so order is preserved.
    const at = Math.max(now + latency, this.#sendChain)
    this.#sendChain = at
    const timer = clock.setTimeout(() => {
      this.#latencyTimers.delete(timer)
      go()
    }, at - now)
    this.#latencyTimers.add(timer)
  }

  #reply(message: Message, status: 'ok' | 'error', response: unknown): void {
    this.send({ joinRef: message.joinRef, ref: message.ref, topic: message.topic, event: 'phx_reply', payload: { status, response } })
  }

  system(join: ChannelJoin, extension: 'system' | 'postgres_changes', status: 'ok' | 'error', text: string): void {
    this.push(join.topic, 'system', { extension, status, message: text, channel: join.subtopic })
  }

  /** `phx_close` carries the join ref as both refs, or realtime-js ignores it (§2.3). */
  #sendClose(join: ChannelJoin): void {
    this.send({ joinRef: join.joinRef, ref: join.joinRef, topic: join.topic, event: 'phx_close', payload: {} })
  }

  close(code: number, reason = ''): void {
    if (this.#closed) return
    this.#ws.close(code, reason)
    this.#onClosed()
  }

  /** Abrupt end without a close frame: the client sees 1006. */
  terminate(): void {
    this.#ws.terminate()
    this.#onClosed()
  }

  #onClosed(): void {
    if (this.#closed) return
    this.#closed = true
    const clock = this.#engine.clock
    clock.clearTimeout(this.#idleTimer)
    for (const timer of this.#latencyTimers) clock.clearTimeout(timer)
    this.#latencyTimers.clear()
    for (const join of this.joins.values()) this.#forget(join)
    this.joins.clear()
    this.#engine.sessions.delete(this)
  }

  #armIdle(): void {
    const clock = this.#engine.clock
    clock.clearTimeout(this.#idleTimer)
    // Only inbound frames keep a socket alive; on expiry the server closes with 1000 (§9).
    this.#idleTimer = clock.setTimeout(() => this.close(1000), this.#engine.options.idleTimeoutMs)
  }

  // ---- input -----------------------------------------------------------------------------

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return
    this.#engine.counters.framesIn++
    this.#armIdle()
    if (data.length > MAX_FRAME_BYTES) {
      this.#engine.log(`frame of ${data.length} bytes is over ${MAX_FRAME_BYTES}: closing 1009`)
      this.close(1009, 'frame too large')
      return
    }
    let message: DecodedMessage
    try {
      message = isBinary ? decodeBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) : decodeText(data.toString('utf8'), this.vsn)
    } catch (error) {
      // MalformedWebSocketMessage: logged and dropped; the socket stays up.
      this.#engine.log(`MalformedWebSocketMessage dropped: ${error instanceof FrameError ? error.message : String(error)}`)
      return
    }
    this.#inbox = this.#inbox
      .then(() => (this.#closed ? undefined : this.#handle(message)))
      .catch((error: unknown) => this.#engine.log(`error handling ${message.event} on ${message.topic}: ${String(error)}`))
  }

  async #handle(message: DecodedMessage): Promise<void> {
    const engine = this.#engine
    if (message.topic === 'phoenix' && message.event === 'heartbeat') {
      engine.counters.heartbeats++
      if (engine.clock.now() < engine.faults.stallUntil) return
      return this.#reply(message, 'ok', {})
    }
    if (message.event === 'phx_join' && isRealtimeTopic(message.topic)) return this.#join(message)
    const join = this.joins.get(message.topic)
    if (!join) return this.#reply(message, 'error', { reason: 'unmatched topic' })
    switch (message.event) {
      case 'phx_leave':
        this.#reply(message, 'ok', {})
        this.#sendClose(join)
        return this.#drop(join)
      case 'broadcast':
        return this.#broadcast(join, message)
      case 'presence':
        return this.#presence(join, message)
      case 'access_token':
        return this.#accessToken(join, message)
      default:
        engine.log(`unknown event "${message.event}" on ${message.topic}`)
        return this.#reply(message, 'error', { reason: `unknown event: ${message.event}` })
    }
  }

  // ---- join ------------------------------------------------------------------------------

  async #join(message: DecodedMessage): Promise<void> {
    const engine = this.#engine
    const existing = this.joins.get(message.topic)
    if (existing) {
      // A second join of a joined topic ends the older channel first (§4.2).
      this.#sendClose(existing)
      this.#drop(existing)
    }
    const result = await prepareJoin(engine, this, message, this.#connectKey)
    if (this.#closed) return
    if (!result.ok) {
      // The real server answers join errors after CHANNEL_ERROR_BACKOFF_MS.
      engine.clock.setTimeout(() => {
        this.#reply(message, 'error', { reason: result.reason })
        if (result.closeSocket) this.close(1001, '')
      }, engine.options.channelErrorDelayMs)
      return
    }
    const join = result.join
    this.joins.set(join.topic, join)
    engine.addToRoom(join)
    engine.counters.joinsTotal++
    this.#armExpiry(join)
    this.#reply(message, 'ok', { postgres_changes: join.bindings })
    if (join.presenceEnabled) this.push(join.topic, 'presence_state', engine.presenceState(join.roomKey))
    if (join.bindings.length > 0) void this.#subscribePostgres(join)
  }

  /** Postgres subscriptions are confirmed asynchronously, as the real server does (§5). */
  async #subscribePostgres(join: ChannelJoin): Promise<void> {
    const subscribed: ChannelJoin['postgres'] = []
    try {
      for (const binding of join.bindings) {
        const compiled = compileBinding(binding)
        if (!compiled.ok) return this.system(join, 'postgres_changes', 'error', compiled.message)
        const checked = await checkSubscription(this.#engine.db, compiled.binding)
        if (this.joins.get(join.topic) !== join) return
        if (!checked.ok) return this.system(join, 'postgres_changes', 'error', checked.message)
        subscribed.push({ id: binding.id, matches: compiled.matches })
      }
    } catch (error) {
      this.#engine.log(`postgres subscription failed on ${join.topic}: ${String(error)}`)
      if (this.joins.get(join.topic) === join) {
        this.system(join, 'postgres_changes', 'error', 'Realtime was unable to connect to the project database')
      }
      return
    }
    if (this.joins.get(join.topic) !== join) return
    join.postgres = subscribed
    join.postgresReady = true
    this.system(join, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')
  }

  #armExpiry(join: ChannelJoin): void {
    const clock = this.#engine.clock
    clock.clearTimeout(join.expiryTimer)
    const msLeft = join.claims.exp * 1000 - clock.now()
    join.expiryTimer = clock.setTimeout(() => this.#checkExpiry(join), Math.max(0, Math.min(MAX_EXPIRY_CHECK_MS, msLeft)))
  }

  #checkExpiry(join: ChannelJoin): void {
    if (this.joins.get(join.topic) !== join) return
    const secondsAgo = Math.floor(this.#engine.clock.now() / 1000) - join.claims.exp
    if (secondsAgo >= 0) this.closeChannel(join, `Token has expired ${secondsAgo} seconds ago`)
    else this.#armExpiry(join)
  }

  /** `/_dev/expire-tokens`: treats every channel token of this socket as expired now. */
  expireTokens(): number {
    const joins = [...this.joins.values()]
    const nowSeconds = Math.floor(this.#engine.clock.now() / 1000)
    for (const join of joins) this.closeChannel(join, `Token has expired ${Math.max(0, nowSeconds - join.claims.exp)} seconds ago`)
    return joins.length
  }

  /** The server ends one channel: a system error with the reason, then phx_close; the socket stays. */
  closeChannel(join: ChannelJoin, reason: string): void {
    if (this.joins.get(join.topic) !== join) return
    this.system(join, 'system', 'error', reason)
    this.#sendClose(join)
    this.#drop(join)
  }

  #drop(join: ChannelJoin): void {
    if (this.joins.get(join.topic) === join) this.joins.delete(join.topic)
    this.#forget(join)
  }

  #forget(join: ChannelJoin): void {
    this.#engine.clock.clearTimeout(join.expiryTimer)
    this.#engine.removeFromRoom(join)
  }

  // ---- channel events --------------------------------------------------------------------

  #broadcast(join: ChannelJoin, message: DecodedMessage): void {
    const engine = this.#engine
    engine.events.add()
    const body = message.payload as { event?: unknown; payload?: unknown } | null
    if (typeof body !== 'object' || body === null || typeof body.event !== 'string') {
      engine.log(`broadcast without an event on ${join.topic} dropped`)
      if (join.ack) this.#reply(message, 'error', { reason: 'broadcast payload must have an event' })
      return
    }
    if (payloadBytes(body.payload) > engine.limits.maxPayloadSizeKb * 1000 + 500) {
      return this.#reply(message, 'error', 'payload_size_exceeded')
    }
    const encoding = message.binary ? message.encoding : 'text'
    engine.broadcast(join.roomKey, join.topic, body.event, body.payload ?? {}, join, encoding)
    // The sender's channel may have been closed by the events quota.
    if (join.ack && this.joins.get(join.topic) === join) this.#reply(message, 'ok', {})
  }

  #presence(join: ChannelJoin, message: DecodedMessage): void {
    const engine = this.#engine
    const now = engine.clock.now()
    engine.events.add()
    const body = (typeof message.payload === 'object' && message.payload !== null ? message.payload : {}) as { event?: unknown; payload?: unknown }
    join.presenceCalls = join.presenceCalls.filter((t) => now - t < PRESENCE_CALLS_WINDOW_MS)
    if (join.presenceCalls.length >= engine.limits.maxPresenceCallsPer30s) {
      return this.closeChannel(join, 'Client presence rate limit exceeded')
    }
    join.presenceCalls.push(now)
    engine.presenceEvents.add()
    if (engine.presenceEvents.rate() > engine.limits.maxPresenceEventsPerSecond) {
      return this.closeChannel(join, 'Too many presence messages per second')
    }
    if (body.event === 'track') {
      const payload = body.payload ?? {}
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return this.#reply(message, 'error', { reason: 'Presence track payload must be a map' })
      }
      if (payloadBytes(payload) > engine.limits.maxPayloadSizeKb * 1000 + 500) {
        return this.closeChannel(join, 'Track message size exceeded')
      }
      // The reply precedes the diff, as on the real server (the diff travels through PubSub).
      this.#reply(message, 'ok', {})
      engine.track(join, payload as Record<string, unknown>)
    } else if (body.event === 'untrack') {
      this.#reply(message, 'ok', {})
      engine.untrack(join)
    } else {
      this.#reply(message, 'error', { reason: `unknown presence event: ${String(body.event)}` })
    }
  }

  /** Never answered (§11). A valid new token re-arms the expiry check; an invalid one closes the channel. */
  async #accessToken(join: ChannelJoin, message: DecodedMessage): Promise<void> {
    const token = (message.payload as { access_token?: unknown } | null)?.access_token
    // Equal, null and `sb_…` values are ignored: sign-out does not demote a joined channel.
    if (token === null || token === undefined || token === join.token) return
    if (typeof token !== 'string' || token.startsWith('sb_')) return
    if (token === '') return this.closeChannel(join, 'The token provided is not a valid JWT')
    const verified = await this.#engine.verifier.verify(token, this.#engine.clock.now())
    if (this.joins.get(join.topic) !== join) return
    if (!verified.ok) return this.closeChannel(join, verified.error.message)
    if (join.private && !canReadPrivate(verified.claims.role)) {
      return this.closeChannel(join, `You no longer have permission to read from this Channel topic: ${join.subtopic}`)
    }
    join.token = token
    join.claims = verified.claims
    this.#armExpiry(join)
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
