/**
 * Everything one topic sends: a tab's `send()`, pushed at once when the channel is joined and nothing
 * waits before it, else queued in the outbox; the outbox drain for the topic; and the local echo of
 * each sent broadcast to this hub's tabs (once per entry, however often it is resent). The payload
 * is serialised to JSON once per send (payload-codec.ts `encodeBroadcast`): the size check and the
 * echo share that text.
 */
import type { RealtimeChannel } from '@supabase/realtime-js'
import type { Clock } from '../clock.ts'
import type { HubMetrics } from '../health/metrics.ts'
import type { Pacer } from './pacer.ts'
import { PushTracker, type PushStatus } from './push-tracker.ts'
import { encodeBroadcast, encodePayload } from './payload-codec.ts'
import { OutboxDrain } from '../outbox/outbox-drain.ts'
import type { OutboxEntry } from '../outbox/outbox-entry.ts'
import type { TopicOutbox } from '../outbox/topic-outbox.ts'
import { payloadTooLarge } from '../input/validate.ts'
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { EncodedPayload } from '../protocol/delivery-port.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'
import type { BroadcastMessage, SendOptions, SendStatus } from '../protocol/wire.ts'

export interface PublisherDeps {
  readonly topic: string
  readonly clock: Clock
  readonly metrics: Pick<HubMetrics, 'count' | 'channel'>
  readonly eventPacer: Pacer
  readonly outbox: TopicOutbox
  options(): ResolvedHubOptions
  /** The current server channel instance, if any. */
  channel(): RealtimeChannel | null
  /** Whether pushes may go out now: the channel is joined and the socket connected. */
  canPush(): boolean
  isPrivate(): boolean
  /** Local fan-out of a sent broadcast (the channel group routes it to its subscriptions). */
  echo(sender: string | null, event: string, payload: EncodedPayload): void
  onError(error: RealtimeErrorPayload): void
  /** Nothing is queued or in flight for the topic any more. */
  drained(): void
}

export class Publisher {
  #deps: PublisherDeps
  /** Pushes on the current server channel, each with its own deadline; abandoned when it is torn down. */
  #pushes: PushTracker
  #drain: OutboxDrain
  /** Entries already echoed to this worker's tabs. */
  #echoed = new WeakSet<OutboxEntry>()
  /** The echo text made at send time, used when the entry is echoed (entries loaded from storage have none). */
  #echoes = new WeakMap<OutboxEntry, EncodedPayload>()

  constructor(deps: PublisherDeps) {
    this.#deps = deps
    this.#pushes = new PushTracker(deps.clock)
    this.#drain = new OutboxDrain({
      clock: deps.clock,
      pending: () => deps.outbox.pending(),
      canPush: () => deps.canPush(),
      maxInFlight: () => deps.options().outbox.maxInFlight,
      pace: () => deps.eventPacer.take(deps.clock.now()),
      push: (entry) => {
        this.#echo(entry)
        return this.#push(entry)
      },
      settled: (entry, status) => {
        // A refused entry (e.g. over the size limit) would block the queue forever: count and drop it.
        if (status === 'error') deps.onError(errorPayload('protocol', `queued broadcast "${entry.event}" refused by the server; dropped`))
        if (deps.outbox.remove(entry) && status === 'ok') deps.metrics.count('outboxFlushed')
      },
      drained: () => deps.drained(),
    })
  }

  /** Pushes awaiting an answer (direct sends and outbox entries). */
  get inFlight(): number {
    return this.#pushes.size
  }

  async send(sender: string, message: BroadcastMessage, options: SendOptions): Promise<SendStatus | RealtimeErrorPayload> {
    const deps = this.#deps
    const { limits, timeoutMs } = deps.options()
    const outgoing = encodeBroadcast(message.event, message.payload, options.messageId)
    if (outgoing.bytes > limits.maxPayloadBytes) return payloadTooLarge(outgoing.bytes, limits.maxPayloadBytes)
    const entry = deps.outbox.entry({ id: options.messageId, event: message.event, payload: outgoing.payload, sender, private: deps.isPrivate(), ttlMs: options.ttlMs })
    this.#echoes.set(entry, outgoing.echo)
    // Anything queued goes first: a new send waits behind it (order), and the drain's window keeps up.
    if (!deps.canPush() || deps.outbox.hasPending()) return this.#queue(entry)
    const wait = deps.eventPacer.take(entry.createdAt)
    if (wait > timeoutMs) {
      return errorPayload('rate-limited', `more than ${limits.eventsPerSecond} events per second (limits.eventsPerSecond); slow down`, true)
    }
    if (wait > 0) await new Promise<void>((resolve) => deps.clock.setTimeout(resolve, wait))
    // What was queued while this send waited for its slot goes first.
    if (!deps.canPush() || deps.outbox.hasPending()) return this.#queue(entry)
    this.#echo(entry)
    const status = await this.#push(entry)
    if (status === 'ok') return 'ok'
    // Unknown delivery: keep it for a resend with the same id; receivers drop the duplicate.
    if (status === 'timed out' || status === 'lost') return this.#queue(entry)
    return errorPayload('protocol', `the server refused the broadcast "${message.event}"`, false)
  }

  /** Sends what the outbox holds for the topic, in order, within the window. Safe to call at any time. */
  flush(): void {
    this.#drain.run()
  }

  /** The server channel is going away: nothing it has in flight can settle any more, so settle it now. */
  abandon(): void {
    this.#drain.reset()
    this.#pushes.abandon()
  }

  dispose(): void {
    this.abandon()
    this.#drain.dispose()
  }

  /** 'queued' means stored: it survives the worker being killed right after. */
  async #queue(entry: OutboxEntry): Promise<SendStatus> {
    await this.#deps.outbox.enqueue(entry)
    this.#drain.run()
    return 'queued'
  }

  #echo(entry: OutboxEntry): void {
    if (this.#echoed.has(entry)) return
    this.#echoed.add(entry)
    const encoded = this.#echoes.get(entry) ?? encodePayload({ type: 'broadcast', event: entry.event, payload: entry.payload })
    this.#echoes.delete(entry)
    this.#deps.echo(entry.sender ?? null, entry.event, encoded)
  }

  /** One push with its own deadline; settles 'lost' if the channel is torn down first. */
  async #push(entry: OutboxEntry): Promise<PushStatus> {
    const deps = this.#deps
    const channel = deps.channel()
    if (!channel || !deps.canPush()) return 'lost'
    deps.metrics.count('messagesOut')
    deps.metrics.channel(deps.topic).messagesOut++
    const timeoutMs = deps.options().timeoutMs
    const status = await this.#pushes.run(() => channel.send({ type: 'broadcast', event: entry.event, payload: entry.payload }, { timeout: timeoutMs }), timeoutMs)
    if (status === 'error' && deps.channel() !== channel) return 'lost'
    return status
  }
}
