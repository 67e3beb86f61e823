/**
 * One websocket: frames in and out, heartbeats, the idle timeout, and its joined channels (join,
 * leave, broadcast, presence, token refresh and expiry), with the real server's replies and errors.
 */
import type { WebSocket } from 'ws'
import type { JwtClaims } from '../auth.ts'
import { compileBinding } from '../db/filters.ts'
import { checkSubscription } from '../db/subscriptions.ts'
import type { PostgresBinding, RowChange } from '../db/types.ts'
import { decodeBinary, decodeText, encodeText, FrameError, payloadBytes, type Message, type Vsn } from './codec.ts'
import type { RealtimeEngine } from './engine.ts'
import { hashBinding } from './hash.ts'

/** A channel joined on this socket. */
export interface ChannelJoin {
  session: Session
  topic: string
  subtopic: string
  private: boolean
  roomKey: string
  joinRef: string
  self: boolean
  ack: boolean
  presenceEnabled: boolean
  presenceKey: string
  postgres: { id: number; matches(change: RowChange): boolean }[]
  postgresReady: boolean
  token: string
  claims: JwtClaims
  expiryTimer?: ReturnType<typeof setTimeout>
  presenceCalls: number[]
  trackedRef: string | null
}

const MAX_FRAME_BYTES = 5_000_000

export class Session {
  readonly joins = new Map<string, ChannelJoin>()
  readonly vsn: Vsn
  #ws: WebSocket
  #engine: RealtimeEngine
  #apiKey: string
  #idleTimer?: ReturnType<typeof setTimeout>
  #sendChain = 0
  #closed = false

  constructor(engine: RealtimeEngine, ws: WebSocket, vsn: Vsn, apiKey: string) {
    this.#engine = engine
    this.#ws = ws
    this.vsn = vsn
    this.#apiKey = apiKey
    engine.sessions.add(this)
    engine.counters.socketsTotal++
    ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    ws.on('close', () => this.#onClosed())
    ws.on('error', (error) => engine.log(`socket error: ${error.message}`))
    this.#armIdle()
  }

  // ---- output ----------------------------------------------------------------------------

  send(message: Message): void {
    this.#write(encodeText(message, this.vsn))
  }

  sendBinary(bytes: Uint8Array): void {
    this.#write(bytes)
  }

  #write(data: string | Uint8Array): void {
    if (this.#closed) return
    const latency = this.#engine.faults.latencyMs
    const go = () => {
      if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return
      this.#engine.counters.framesOut++
      this.#ws.send(data)
    }
    if (latency <= 0 && this.#sendChain <= Date.now()) return go()
    // Injected latency keeps frame order: each frame leaves no earlier than the one before it.
    const at = Math.max(Date.now() + latency, this.#sendChain)
    this.#sendChain = at
    setTimeout(go, at - Date.now())
  }

  #reply(message: Message, status: 'ok' | 'error', response: unknown): void {
    this.send({ joinRef: message.joinRef, ref: message.ref, topic: message.topic, event: 'phx_reply', payload: { status, response } })
  }

  #system(join: ChannelJoin, extension: string, status: 'ok' | 'error', text: string): void {
    this.send({ joinRef: null, ref: null, topic: join.topic, event: 'system', payload: { extension, status, message: text, channel: join.subtopic } })
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
    clearTimeout(this.#idleTimer)
    for (const join of this.joins.values()) this.#forget(join)
    this.joins.clear()
    this.#engine.sessions.delete(this)
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer)
    // Only inbound frames keep a socket alive; on expiry the server closes with 1000 (§9).
    this.#idleTimer = setTimeout(() => this.close(1000), this.#engine.options.idleTimeoutMs)
  }

  // ---- input -----------------------------------------------------------------------------

  #onFrame(data: Buffer, isBinary: boolean): void {
    this.#engine.counters.framesIn++
    this.#armIdle()
    if (data.length > MAX_FRAME_BYTES) {
      this.close(1009, 'frame too large')
      return
    }
    let message: Message & { binary?: true; encoding?: 0 | 1 }
    try {
      message = isBinary ? decodeBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) : decodeText(data.toString('utf8'), this.vsn)
    } catch (error) {
      // MalformedWebSocketMessage: logged and dropped; the socket stays up.
      this.#engine.log(`dropped malformed frame: ${error instanceof FrameError ? error.message : String(error)}`)
      return
    }
    try {
      this.#handle(message)
    } catch (error) {
      this.#engine.log(`error handling ${message.event} on ${message.topic}: ${String(error)}`)
    }
  }

  #handle(message: Message & { binary?: true; encoding?: 0 | 1 }): void {
    if (message.topic === 'phoenix' && message.event === 'heartbeat') {
      this.#engine.counters.heartbeats++
      if (Date.now() < this.#engine.faults.stallUntil) return
      this.#reply(message, 'ok', {})
      return
    }
    if (message.event === 'phx_join') return void this.#join(message)
    const join = this.joins.get(message.topic)
    if (!join) return this.#reply(message, 'error', { reason: 'unmatched topic' })
    switch (message.event) {
      case 'phx_leave':
        this.#reply(message, 'ok', {})
        this.#leave(join)
        return
      case 'broadcast':
        return this.#broadcast(join, message)
      case 'presence':
        return this.#presence(join, message)
      case 'access_token':
        return void this.#accessToken(join, message)
      default:
        this.#engine.log(`dropped unknown event "${message.event}" on ${message.topic}`)
        this.#reply(message, 'error', { reason: `unknown event ${message.event}` })
    }
  }

  // ---- join ------------------------------------------------------------------------------

  async #join(message: Message): Promise<void> {
    const engine = this.#engine
    const limits = engine.limits
    const payload = (message.payload ?? {}) as Record<string, any>
    const config = (payload.config ?? {}) as Record<string, any>
    const subtopic = message.topic.startsWith('realtime:') ? message.topic.slice('realtime:'.length) : ''
    const isPrivate = config.private === true || config.private === 'true'
    const refuse = (reason: string, after?: () => void) => {
      setTimeout(() => {
        this.#reply(message, 'error', { reason })
        after?.()
      }, engine.options.channelErrorDelayMs)
    }
    const existing = this.joins.get(message.topic)
    if (existing) {
      // A second join of a joined topic ends the older channel first (§4.2).
      this.send({ joinRef: existing.joinRef, ref: existing.joinRef, topic: existing.topic, event: 'phx_close', payload: {} })
      this.#forget(existing)
      this.joins.delete(existing.topic)
    }
    if (!subtopic) return refuse('TopicNameRequired: You must provide a topic name')
    if (this.joins.size === 0 && engine.concurrentUsers() >= limits.maxConcurrentUsers) {
      return refuse('ConnectionRateLimitReached: Too many connected users')
    }
    engine.joins.add()
    if (engine.joins.rate() > limits.maxJoinsPerSecond) {
      return refuse('ClientJoinRateLimitReached: Too many joins per second', () => this.close(1001, 'ClientJoinRateLimitReached'))
    }
    if (this.joins.size >= limits.maxChannelsPerClient) return refuse('ChannelRateLimitReached: Too many channels')
    const token = typeof payload.access_token === 'string' && payload.access_token && !payload.access_token.startsWith('sb_')
      ? payload.access_token
      : typeof payload.user_token === 'string' && payload.user_token ? payload.user_token : this.#apiKey
    const verified = await engine.verifier.verify(token)
    if (this.#closed) return
    if (!verified.ok) {
      const reason = verified.error.kind === 'expired' || verified.error.kind === 'claims'
        ? `InvalidJWTToken: ${verified.error.message}`
        : verified.error.kind === 'signature' ? `JwtSignatureError: ${verified.error.message}` : `MalformedJWT: ${verified.error.message}`
      return refuse(reason)
    }
    if (isPrivate && verified.claims.role === 'anon') {
      // This server has no RLS policies on realtime.messages: private channels need a signed-in role.
      return refuse(`Unauthorized: You do not have permissions to read from this Channel topic: ${subtopic}`)
    }
    const bindings = (Array.isArray(config.postgres_changes) ? config.postgres_changes : []) as PostgresBinding[]
    const broadcast = (config.broadcast ?? {}) as Record<string, unknown>
    const presence = (config.presence ?? {}) as Record<string, unknown>
    const join: ChannelJoin = {
      session: this,
      topic: message.topic,
      subtopic,
      private: isPrivate,
      roomKey: `${isPrivate ? 'private' : 'public'}:${message.topic}`,
      joinRef: message.joinRef ?? message.ref ?? '',
      self: broadcast.self === true || broadcast.self === 'true',
      ack: broadcast.ack === true || broadcast.ack === 'true',
      presenceEnabled: presence.enabled === true || presence.enabled === 'true',
      presenceKey: typeof presence.key === 'string' && presence.key ? presence.key : crypto.randomUUID(),
      postgres: [],
      postgresReady: false,
      token,
      claims: verified.claims,
      presenceCalls: [],
      trackedRef: null,
    }
    this.joins.set(join.topic, join)
    engine.addToRoom(join)
    engine.counters.joinsTotal++
    this.#armExpiry(join)
    const echo = bindings.map((b) => ({ ...b, id: hashBinding(b) }))
    this.#reply(message, 'ok', { postgres_changes: echo })
    if (join.presenceEnabled) {
      this.send({ joinRef: null, ref: null, topic: join.topic, event: 'presence_state', payload: engine.presenceState(join.roomKey) })
    }
    if (bindings.length > 0) void this.#subscribePostgres(join, echo)
  }

  /** Postgres subscriptions are confirmed asynchronously, as the real server does (§5). */
  async #subscribePostgres(join: ChannelJoin, bindings: (PostgresBinding & { id: number })[]): Promise<void> {
    for (const binding of bindings) {
      const compiled = compileBinding(binding)
      if (!compiled.ok) return this.#system(join, 'postgres_changes', 'error', compiled.message)
      const checked = await checkSubscription(this.#engine.db, compiled.binding)
      if (!checked.ok) return this.#system(join, 'postgres_changes', 'error', checked.message)
      join.postgres.push({ id: binding.id, matches: compiled.matches })
    }
    if (this.joins.get(join.topic) !== join) return
    join.postgresReady = true
    this.#system(join, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')
  }

  #armExpiry(join: ChannelJoin): void {
    clearTimeout(join.expiryTimer)
    const msLeft = join.claims.exp * 1000 - Date.now()
    join.expiryTimer = setTimeout(() => this.#checkExpiry(join), Math.max(0, Math.min(5 * 60_000, msLeft)))
  }

  #checkExpiry(join: ChannelJoin): void {
    if (this.joins.get(join.topic) !== join) return
    const secondsAgo = Math.floor(Date.now() / 1000) - join.claims.exp
    if (secondsAgo >= 0) this.closeChannel(join, `Token has expired ${secondsAgo} seconds ago`)
    else this.#armExpiry(join)
  }

  /** The server ends one channel: a system error with the reason, then phx_close; the socket stays. */
  closeChannel(join: ChannelJoin, reason: string): void {
    if (this.joins.get(join.topic) !== join) return
    this.#system(join, 'system', 'error', reason)
    this.send({ joinRef: join.joinRef, ref: join.joinRef, topic: join.topic, event: 'phx_close', payload: {} })
    this.#forget(join)
    this.joins.delete(join.topic)
  }

  #leave(join: ChannelJoin): void {
    this.send({ joinRef: join.joinRef, ref: join.joinRef, topic: join.topic, event: 'phx_close', payload: {} })
    this.#forget(join)
    this.joins.delete(join.topic)
  }

  #forget(join: ChannelJoin): void {
    clearTimeout(join.expiryTimer)
    this.#engine.removeFromRoom(join)
  }

  // ---- channel events --------------------------------------------------------------------

  #broadcast(join: ChannelJoin, message: Message & { binary?: true; encoding?: 0 | 1 }): void {
    const engine = this.#engine
    const body = message.payload as { type?: string; event?: unknown; payload?: unknown } | null
    if (!body || typeof body.event !== 'string') {
      if (join.ack) this.#reply(message, 'error', { reason: 'broadcast needs an event' })
      return
    }
    const limit = engine.limits.maxPayloadSizeKb * 1000 + 500
    if (payloadBytes(body.payload) > limit) {
      this.#reply(message, 'error', 'payload_size_exceeded')
      return
    }
    engine.events.add()
    const encoding = message.binary ? (message.encoding ?? 1) : 'text'
    engine.broadcast(join.roomKey, join.topic, body.event, body.payload, join, encoding)
    if (join.ack) this.#reply(message, 'ok', {})
  }

  #presence(join: ChannelJoin, message: Message): void {
    const engine = this.#engine
    const body = (message.payload ?? {}) as { event?: string; payload?: unknown }
    const now = Date.now()
    join.presenceCalls = join.presenceCalls.filter((t) => now - t < 30_000)
    if (join.presenceCalls.length >= engine.limits.maxPresenceCallsPer30s) {
      this.closeChannel(join, 'Client presence rate limit exceeded')
      return
    }
    join.presenceCalls.push(now)
    if (body.event === 'track') {
      const payload = body.payload
      if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
        this.#reply(message, 'error', { reason: 'Presence track payload must be a map' })
        return
      }
      if (payloadBytes(payload) > engine.limits.maxPayloadSizeKb * 1000 + 500) {
        this.closeChannel(join, 'Track message size exceeded')
        return
      }
      engine.track(join, payload as Record<string, unknown>)
      this.#reply(message, 'ok', {})
    } else if (body.event === 'untrack') {
      engine.untrack(join)
      this.#reply(message, 'ok', {})
    } else {
      this.#reply(message, 'error', { reason: `unknown presence event ${String(body.event)}` })
    }
  }

  /** Never answered (§11). A new valid token re-arms the expiry check; an invalid one closes the channel. */
  async #accessToken(join: ChannelJoin, message: Message): Promise<void> {
    const token = (message.payload as { access_token?: unknown })?.access_token
    if (token === null || token === undefined || token === join.token) return
    if (typeof token !== 'string' || token.startsWith('sb_')) return
    if (token === '') return this.closeChannel(join, 'The token provided is not a valid JWT')
    const verified = await this.#engine.verifier.verify(token)
    if (this.joins.get(join.topic) !== join) return
    if (!verified.ok) return this.closeChannel(join, verified.error.message)
    join.token = token
    join.claims = verified.claims
    this.#armExpiry(join)
  }
}
