/**
 * A WebSocket-like constructor for realtime-js (`transport`), driven by the test: it answers joins and
 * heartbeats like the server unless told otherwise, and records every socket it made.
 */
type Frame = [string | null, string | null, string, string, any]

export class FakeSocket {
  static instances: FakeSocket[] = []
  /** What new sockets do: open, or fail before opening (a refused handshake). */
  static behaviour: 'open' | 'refuse' = 'open'
  static answerHeartbeats = true
  /** Whether client broadcasts get their phx_reply, and after how long (server latency). */
  static answerBroadcasts = true
  static broadcastReplyDelayMs = 0

  static reset(): void {
    FakeSocket.instances = []
    FakeSocket.behaviour = 'open'
    FakeSocket.answerHeartbeats = true
    FakeSocket.answerBroadcasts = true
    FakeSocket.broadcastReplyDelayMs = 0
  }

  static get open(): FakeSocket[] {
    return FakeSocket.instances.filter((s) => s.readyState === 1)
  }

  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3

  readonly url: string
  readyState = 0
  binaryType = 'arraybuffer'
  bufferedAmount = 0
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  sent: Frame[] = []

  constructor(url: string) {
    this.url = url
    FakeSocket.instances.push(this)
    const behaviour = FakeSocket.behaviour
    setTimeout(() => {
      if (this.readyState !== 0) return
      if (behaviour === 'refuse') {
        this.onerror?.({ type: 'error' })
        this.#closed(1006, '')
      } else {
        this.readyState = 1
        this.onopen?.({ type: 'open' })
      }
    }, 1)
  }

  send(data: unknown): void {
    if (this.readyState !== 1) throw new Error('socket not open')
    const frame = typeof data === 'string' ? (JSON.parse(data) as Frame) : FakeSocket.decodeBroadcast(data as ArrayBuffer)
    this.sent.push(frame)
    const [joinRef, ref, topic, event, payload] = frame
    if (event === 'heartbeat' && FakeSocket.answerHeartbeats) this.serverSend([null, ref, 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
    if (event === 'phx_join') {
      const postgres = (payload?.config?.postgres_changes ?? []).map((b: object, i: number) => ({ ...b, id: 1000 + i }))
      this.serverSend([joinRef, ref, topic, 'phx_reply', { status: 'ok', response: { postgres_changes: postgres } }])
    }
    if (event === 'phx_leave') this.serverSend([joinRef, ref, topic, 'phx_reply', { status: 'ok', response: {} }])
    if (event === 'broadcast' && FakeSocket.answerBroadcasts) {
      this.serverSend([joinRef, ref, topic, 'phx_reply', { status: 'ok', response: {} }], FakeSocket.broadcastReplyDelayMs)
    }
  }

  /** Binary kind 3 (a client broadcast, realtime-protocol.md §2.2) as a frame tuple. */
  static decodeBroadcast(data: ArrayBuffer | Uint8Array): Frame {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data)
    const text = new TextDecoder()
    let offset = 7
    const take = (n: number) => text.decode(bytes.subarray(offset, (offset += n)))
    const [joinRef, ref, topic, event] = [take(bytes[1]), take(bytes[2]), take(bytes[3]), take(bytes[4])]
    offset += bytes[5]
    const payload = bytes[6] === 1 ? JSON.parse(text.decode(bytes.subarray(offset))) : bytes.slice(offset).buffer
    return [joinRef, ref, topic, 'broadcast', { type: 'broadcast', event, payload }]
  }

  /** Delivers a frame from the "server" on the next tick. */
  serverSend(frame: Frame, delayMs = 0): void {
    setTimeout(() => {
      if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) })
    }, delayMs)
  }

  /** The server closes the socket. */
  serverClose(code = 1006, reason = ''): void {
    this.#closed(code, reason)
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return
    this.readyState = 2
    setTimeout(() => this.#closed(code, reason), 0)
  }

  #closed(code: number, reason: string): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.onclose?.({ code, reason, wasClean: code === 1000 })
  }

  /** Client broadcasts in the order they were written to the socket. */
  broadcasts(): Frame[] {
    return this.sent.filter((f) => f[3] === 'broadcast')
  }

  joins(): Frame[] {
    return this.sent.filter((f) => f[3] === 'phx_join')
  }
}
