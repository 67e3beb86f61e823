import WebSocket from 'ws'
import { onCleanup, type TestServer } from './setup.ts'

/** A frame as the test sees it: vsn 2 arrays, vsn 1 objects, or binary bytes. */
export type Frame = { kind: 'text'; data: any } | { kind: 'binary'; data: Buffer }

export interface RawSocket {
  ws: WebSocket
  frames: Frame[]
  send(frame: unknown): void
  sendRaw(data: string | Buffer): void
  /** Resolves with the first frame (received or future) that matches; removes it from the queue. */
  next(match?: (frame: any) => boolean, timeoutMs?: number): Promise<any>
  nextBinary(timeoutMs?: number): Promise<Buffer>
  /** Asserts that nothing matching arrives within `ms`. */
  none(match?: (frame: any) => boolean, ms?: number): Promise<void>
  join(topic: string, payload?: unknown, joinRef?: string): Promise<any>
  closed: Promise<{ code: number; reason: string }>
}

let refCounter = 100

export async function openRaw(
  server: TestServer,
  options: { vsn?: '1.0.0' | '2.0.0' | null; apikey?: string | null; path?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<RawSocket> {
  const params = new URLSearchParams(options.query)
  const apikey = options.apikey === undefined ? server.anonKey : options.apikey
  if (apikey !== null) params.set('apikey', apikey)
  const vsn = options.vsn === undefined ? '2.0.0' : options.vsn
  if (vsn !== null) params.set('vsn', vsn)
  const ws = new WebSocket(`${server.wsUrl}${options.path ?? '/realtime/v1/websocket'}?${params}`, { headers: options.headers })
  const frames: Frame[] = []
  const waiters = new Set<() => void>()
  ws.on('message', (data, isBinary) => {
    const buf = data as Buffer
    frames.push(isBinary ? { kind: 'binary', data: buf } : { kind: 'text', data: JSON.parse(buf.toString('utf8')) })
    for (const w of [...waiters]) w()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const w of [...waiters]) w()
    }),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  onCleanup(() => {
    if (ws.readyState !== ws.CLOSED) ws.terminate()
  })

  function take(match: (frame: Frame) => boolean): Frame | undefined {
    const index = frames.findIndex(match)
    return index === -1 ? undefined : frames.splice(index, 1)[0]
  }

  function wait(match: (frame: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const frame = take(match)
        if (frame) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(frame)
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no matching frame within ${timeoutMs} ms; queue: ${JSON.stringify(frames.map((f) => (f.kind === 'text' ? f.data : `<${f.data.length} bytes>`)))}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }

  const raw: RawSocket = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    sendRaw: (data) => ws.send(data),
    async next(match = () => true, timeoutMs = 2000) {
      const frame = await wait((f) => f.kind === 'text' && match(f.data), timeoutMs)
      return frame.data
    },
    async nextBinary(timeoutMs = 2000) {
      const frame = await wait((f) => f.kind === 'binary', timeoutMs)
      return frame.data as Buffer
    },
    async none(match = () => true, ms = 150) {
      await new Promise((r) => setTimeout(r, ms))
      const found = frames.find((f) => (f.kind === 'text' ? match(f.data) : match(f.data)))
      if (found) throw new Error(`unexpected frame: ${JSON.stringify(found.data)}`)
    },
    async join(topic, payload = {}, joinRef = String(++refCounter)) {
      if (vsn === '1.0.0' || vsn === null) {
        raw.send({ topic, event: 'phx_join', payload, ref: joinRef, join_ref: joinRef })
        return raw.next((f) => f.event === 'phx_reply' && f.ref === joinRef)
      }
      raw.send([joinRef, joinRef, topic, 'phx_join', payload])
      return raw.next((f) => f[3] === 'phx_reply' && f[1] === joinRef)
    },
  }
  return raw
}

/** Frame field helpers for vsn 2 arrays. */
export const is =
  (event: string, topic?: string) =>
  (f: any): boolean =>
    Array.isArray(f) && f[3] === event && (topic === undefined || f[2] === topic)

export function nextRef(): string {
  return String(++refCounter)
}

/** Builds a binary kind-3 USER_BROADCAST_PUSH frame (realtime-protocol.md §2.2). */
export function userBroadcastPush(fields: { joinRef: string; ref: string; topic: string; event: string; payload: Buffer | string; encoding: 0 | 1; meta?: string }): Buffer {
  const parts = [fields.joinRef, fields.ref, fields.topic, fields.event, fields.meta ?? ''].map((s) => Buffer.from(s, 'utf8'))
  const payload = typeof fields.payload === 'string' ? Buffer.from(fields.payload, 'utf8') : fields.payload
  return Buffer.concat([Buffer.from([3, parts[0].length, parts[1].length, parts[2].length, parts[3].length, parts[4].length, fields.encoding]), ...parts, payload])
}

/** Splits a binary kind-4 USER_BROADCAST frame. */
export function parseUserBroadcast(buf: Buffer) {
  const [kind, topicLen, eventLen, metaLen, encoding] = buf
  let offset = 5
  const read = (n: number) => buf.subarray(offset, (offset += n))
  const topic = read(topicLen).toString('utf8')
  const event = read(eventLen).toString('utf8')
  const meta = read(metaLen).toString('utf8')
  const payload = buf.subarray(offset)
  return { kind, encoding, topic, event, meta, payload }
}
