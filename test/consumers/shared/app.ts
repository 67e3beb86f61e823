// The fixture page every consumer app builds (run.mjs copies this file to <app>/src/main.ts): it uses
// @shared-realtime/client exactly as an app would, installed from the packed tarball.
import { createSharedRealtime, RealtimeError, type SharedRealtime } from '@shared-realtime/client'

const params = new URLSearchParams(location.search)
const server = params.get('server') ?? 'http://127.0.0.1:54321'
const key = params.get('key') ?? ''
const endpoint = params.get('endpoint')

const realtime: SharedRealtime = createSharedRealtime(server, key, endpoint ? { endpoint, timeoutMs: 5_000 } : {})
const received: unknown[] = []
const statusEl = document.querySelector<HTMLElement>('#status')!
const errorEl = document.querySelector<HTMLElement>('#error')!
const receivedEl = document.querySelector<HTMLElement>('#received')!

const channel = realtime.channel('consumer-apps')
channel.on('broadcast', { event: 'ping' }, (message) => {
  received.push(message.payload)
  receivedEl.textContent = String(received.length)
})
channel.subscribe((status, error) => {
  statusEl.textContent = status
  if (error) errorEl.textContent = error instanceof RealtimeError ? `${error.code}: ${error.message}` : String(error)
})

Object.assign(window, { realtime, channel, received })
