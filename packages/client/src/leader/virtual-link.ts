/**
 * A MessagePort pair stretched over a BroadcastChannel: the follower's end is a MessagePort-like
 * endpoint (Comlink and the delivery protocol work on it unchanged); the leader bridges its end to a
 * real MessageChannel into its hub. MessagePorts cannot cross a BroadcastChannel, so a port in a
 * message's transfer list (the delivery port given at hello) becomes a virtual port: an id in the
 * frame, and on the other side a fresh MessageChannel whose far end takes its place.
 */
import { LINK_VERSION, linkStats, parseLink, type LinkFrame } from './link-frames.ts'

export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

const PORT_MARK = '__srVirtualPort'

/** Replaces every MessagePort of `ports` inside `value` by a mark naming its id (structured data only). */
function markPorts(value: unknown, ids: Map<MessagePort, string>): unknown {
  if (typeof value !== 'object' || value === null) return value
  const id = ids.get(value as MessagePort)
  if (id !== undefined) return { [PORT_MARK]: id }
  if (Array.isArray(value)) return value.map((v) => markPorts(v, ids))
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markPorts(v, ids)]))
}

function unmarkPorts(value: unknown, ports: Map<string, MessagePort>): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((v) => unmarkPorts(v, ports))
  const id = (value as Record<string, unknown>)[PORT_MARK]
  if (typeof id === 'string' && ports.has(id)) return ports.get(id)
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmarkPorts(v, ports)]))
}

export interface VirtualLinkOptions {
  channel: ChannelLike
  /** The epoch frames are stamped with; null until known (a follower before `accept`). */
  epoch(): number | null
  /** Messages for the main port, with the real ports they carry. */
  onMain(data: unknown, ports: MessagePort[]): void
  /** Link frames other than messages (accept, close). */
  onControl?(frame: LinkFrame): void
  /** Whether a frame of this epoch is to be used (fencing); others are ignored and counted. */
  accepts(epoch: number): boolean
}

export class VirtualLink {
  #o: VirtualLinkOptions
  #ports = new Map<string, MessagePort>()
  #closed = false

  constructor(o: VirtualLinkOptions) {
    this.#o = o
    o.channel.addEventListener('message', (event) => this.#receive(event.data))
  }

  /** Sends on virtual port `port`; MessagePorts in `transfer` become virtual ports bridged here. */
  send(port: string, data: unknown, transfer: readonly unknown[] = []): void {
    const epoch = this.#o.epoch()
    if (this.#closed || epoch === null) return
    const ids = new Map<MessagePort, string>()
    for (const t of transfer) if (t instanceof MessagePort) ids.set(t, this.#bridge(t))
    this.#post({ sr: LINK_VERSION, kind: 'msg', epoch, port, data: ids.size ? markPorts(data, ids) : data, ports: [...ids.values()] })
  }

  post(frame: LinkFrame): void {
    if (!this.#closed) this.#post(frame)
  }

  #post(frame: LinkFrame): void {
    try {
      this.#o.channel.postMessage(frame)
    } catch {
      // Not cloneable or closed: the caller's call times out with a typed error, as with a dead hub.
    }
  }

  /** A local real port whose traffic crosses as virtual port `id`. */
  #bridge(port: MessagePort): string {
    const id = crypto.randomUUID()
    this.#ports.set(id, port)
    port.onmessage = (event) => this.send(id, event.data)
    return id
  }

  #receive(raw: unknown): void {
    if (this.#closed) return
    const frame = parseLink(raw)
    if (!frame) return void linkStats.ignored++
    if (frame.kind !== 'msg') return this.#o.onControl?.(frame)
    if (!this.#o.accepts(frame.epoch)) return void linkStats.ignored++
    const created = new Map<string, MessagePort>()
    for (const id of frame.ports) {
      const { port1, port2 } = new MessageChannel()
      this.#ports.set(id, port1)
      port1.onmessage = (event) => this.send(id, event.data)
      created.set(id, port2)
    }
    const data = created.size ? unmarkPorts(frame.data, created) : frame.data
    if (frame.port === 'main') return this.#o.onMain(data, [...created.values()])
    this.#ports.get(frame.port)?.postMessage(data)
  }

  close(): void {
    if (this.#closed) return
    const epoch = this.#o.epoch()
    if (epoch !== null) this.#post({ sr: LINK_VERSION, kind: 'close', epoch })
    this.#closed = true
    for (const port of this.#ports.values()) port.close()
    this.#ports.clear()
    this.#o.channel.close()
  }
}
