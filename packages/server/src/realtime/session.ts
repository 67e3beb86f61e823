/**
 * One websocket: frames in and out, heartbeats, the idle timeout, and its joined channels (join,
 * leave, broadcast, presence, token refresh and expiry), with the real server's replies and errors.
 */
import type { WebSocket } from 'ws'
import { createTimerSet, type TimerSet } from '../clock.ts'
import { fetchReplay, REPLAY_FAILED } from '../db/broadcast-from-database.ts'
import type { StoredBroadcast } from '../db/types.ts'
import { isStalled } from '../dev/faults.ts'
import { canReadPresence, isCurrent, isRealtimeTopic, type ChannelJoin, type Subscriber } from './channel.ts'
import { prepareJoin } from './channel-join.ts'
import { handleAccessToken, handleBroadcast, handlePresence, type PushContext } from './channel-pushes.ts'
import { decodeBinary, decodeText, encodeText, FrameError, type DecodedMessage, type Message, type Vsn } from './codec.ts'
import type { RealtimeEngine } from './engine.ts'
import { createFrameWriter, type FrameWriter } from './frame-writer.ts'
import { subscribePostgres, type PostgresSubscriptionContext } from './postgres-subscription.ts'
import { deliverStored } from './stored-broadcast-router.ts'
import { expiredReason, expiryCheckDelay, forcedExpiryReason } from './token-expiry.ts'

/** Frames above this are refused with close 1009, as the real server does (§1.2). */
export const MAX_FRAME_BYTES = 5_000_000

export class Session implements Subscriber {
  readonly joins = new Map<string, ChannelJoin>()
  readonly vsn: Vsn
  #ws: WebSocket
  #engine: RealtimeEngine<Session>
  #connectKey: string
  #idleTimer: unknown
  /** Delayed frames and delayed join errors, cleared when the socket ends. */
  #timers: TimerSet
  #writer: FrameWriter
  /** Inbound frames are handled one after another, even when one awaits (token checks). */
  #inbox: Promise<void> = Promise.resolve()
  #closed = false
  /** Opened with `dev_fault_exempt=1`: the control API's faults pass it by (a test's observer). */
  readonly faultExempt: boolean
  /** The channel operations that push handlers and the postgres subscription call back. */
  #channelOps: PushContext['channels'] & PostgresSubscriptionContext

  constructor(engine: RealtimeEngine<Session>, ws: WebSocket, vsn: Vsn, connectKey: string, options: { faultExempt?: boolean } = {}) {
    this.faultExempt = options.faultExempt === true
    this.#engine = engine
    this.#ws = ws
    this.vsn = vsn
    this.#connectKey = connectKey
    this.#timers = createTimerSet(engine.clock)
    this.#writer = createFrameWriter({
      clock: engine.clock,
      timers: this.#timers,
      latencyMs: () => (this.faultExempt ? 0 : engine.faults.latencyMs),
      send: (data) => this.#send(data),
    })
    this.#channelOps = {
      db: engine.db,
      log: (message) => engine.log(message),
      system: (join, extension, status, text) => this.system(join, extension, status, text),
      closeChannel: (join, reason) => this.closeChannel(join, reason),
      armExpiry: (join) => this.armExpiry(join),
    }
    const number = engine.connect(this)
    engine.log(`socket #${number} open (vsn ${vsn})`)
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
    if (!this.#closed) this.#writer.write(data)
  }

  #send(data: string | Uint8Array): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return
    this.#engine.countFrameOut(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength)
    this.#ws.send(data)
  }

  #pushContext(message: Message): PushContext {
    return { engine: this.#engine, channels: this.#channelOps, reply: (status, response) => this.#reply(message, status, response) }
  }

  #reply(message: Message, status: 'ok' | 'error', response: unknown): void {
    this.send({ joinRef: message.joinRef, ref: message.ref, topic: message.topic, event: 'phx_reply', payload: { status, response } })
  }

  /** A `system` message on one channel (`Subscribed to PostgreSQL`, errors before `phx_close`, …). */
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
    this.#timers.clear()
    for (const join of this.joins.values()) this.#forget(join)
    this.joins.clear()
    this.#engine.disconnect(this)
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
    this.#engine.countFrameIn(data.length)
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
      engine.countHeartbeat()
      if (!this.faultExempt && isStalled(engine.faults, engine.clock.now())) return
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
        return handleBroadcast(this.#pushContext(message), join, message)
      case 'presence':
        return handlePresence(this.#pushContext(message), join, message)
      case 'access_token':
        return handleAccessToken(this.#pushContext(message), join, message)
      default:
        // The real server counts it, logs it and sends nothing back.
        engine.quotas.countEvent()
        engine.log(`Unexpected message from client of type \`${message.event}\` on ${message.topic}`)
        return
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
    const result = await prepareJoin(engine, { session: this, connectKey: this.#connectKey }, message)
    if (this.#closed) return
    if (!result.ok) return this.#refuse(message, result.reason, result.closeSocket)
    const { join, replay, replicationReady } = result
    if (!replay) return this.#admit(message, join, [], replicationReady)
    // The replay snapshot and the room entry happen in the database routing queue: a message
    // committed after the snapshot is routed after the channel is in its room (a gap otherwise),
    // and one both replayed and routed live is sent once (replayedIds).
    await engine.serially(async () => {
      let messages: StoredBroadcast[]
      try {
        messages = await fetchReplay(engine.db, join.subtopic, replay.since, replay.limit)
      } catch (error) {
        engine.log(`replay on ${join.topic} failed: ${String(error)}`)
        return this.#closed ? undefined : this.#refuse(message, REPLAY_FAILED)
      }
      if (!this.#closed) this.#admit(message, join, messages, replicationReady)
    })
  }

  #refuse(message: DecodedMessage, reason: string, closeSocket = false): void {
    this.#engine.log(`join ${message.topic} refused: ${reason}`)
    // The real server answers join errors after CHANNEL_ERROR_BACKOFF_MS.
    this.#timers.later(() => {
      this.#reply(message, 'error', { reason })
      if (closeSocket) this.close(1001, '')
    }, this.#engine.options.channelErrorDelayMs)
  }

  #admit(message: DecodedMessage, join: ChannelJoin, replayed: StoredBroadcast[], replicationReady: boolean): void {
    const engine = this.#engine
    for (const stored of replayed) join.replayedIds.add(stored.id)
    this.joins.set(join.topic, join)
    engine.addToRoom(join)
    this.armExpiry(join)
    this.#reply(message, 'ok', { postgres_changes: join.bindings })
    // The real channel sends these to itself during the join, in this order: replayed messages,
    // the replication-ready notice (this server's "replication" is always up), presence state.
    for (const stored of replayed) deliverStored(join, stored, true)
    if (replicationReady) this.system(join, 'system', 'ok', 'Replication connection established')
    if (join.presenceEnabled && canReadPresence(join)) this.push(join.topic, 'presence_state', engine.presenceState(join.roomKey))
    if (join.bindings.length > 0) void subscribePostgres(this.#channelOps, join)
  }

  /** Re-checks the channel token at min(5 min, exp − now) (§11). */
  armExpiry(join: ChannelJoin): void {
    const clock = this.#engine.clock
    clock.clearTimeout(join.expiryTimer)
    join.expiryTimer = clock.setTimeout(() => this.#checkExpiry(join), expiryCheckDelay(join.claims.exp, clock.now()))
  }

  #checkExpiry(join: ChannelJoin): void {
    if (!isCurrent(join)) return
    const reason = expiredReason(join.claims.exp, this.#engine.clock.now())
    if (reason) this.closeChannel(join, reason)
    else this.armExpiry(join)
  }

  /** `/_dev/expire-tokens`: treats every channel token of this socket as expired now. */
  expireTokens(): number {
    const joins = [...this.joins.values()]
    const now = this.#engine.clock.now()
    for (const join of joins) this.closeChannel(join, forcedExpiryReason(join.claims.exp, now))
    return joins.length
  }

  /** The server ends one channel: a system error with the reason, then phx_close; the socket stays. */
  closeChannel(join: ChannelJoin, reason: string): void {
    if (!isCurrent(join)) return
    this.#engine.log(`channel ${join.topic} closed by the server: ${reason}`)
    this.system(join, 'system', 'error', reason)
    this.#sendClose(join)
    this.#drop(join)
  }

  #drop(join: ChannelJoin): void {
    if (isCurrent(join)) this.joins.delete(join.topic)
    this.#forget(join)
  }

  #forget(join: ChannelJoin): void {
    this.#engine.clock.clearTimeout(join.expiryTimer)
    this.#engine.removeFromRoom(join)
  }

}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
