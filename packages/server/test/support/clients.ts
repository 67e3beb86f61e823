import { createClient, RealtimeClient, type RealtimeChannel } from '@supabase/supabase-js'
import WebSocket from 'ws'
import { onCleanup, type TestServer } from './setup.ts'

/** The official realtime client against the test server; disconnected after the test. */
export function realtimeClient(server: TestServer, options: { vsn?: '1.0.0' | '2.0.0'; apikey?: string; timeout?: number } = {}): RealtimeClient {
  const client = new RealtimeClient(`${server.wsUrl}/realtime/v1`, {
    params: { apikey: options.apikey ?? server.anonKey },
    transport: WebSocket as never,
    vsn: options.vsn ?? '2.0.0',
    timeout: options.timeout ?? 3000,
    logger: () => {},
  })
  onCleanup(async () => {
    client.removeAllChannels().catch(() => {})
    await Promise.race([client.disconnect(), new Promise((r) => setTimeout(r, 200))])
  })
  return client
}

/** supabase-js's createClient, realtime only, against the test server. */
export function supabaseClient(server: TestServer, key = server.anonKey) {
  const supabase = createClient(server.url, key, {
    realtime: { transport: WebSocket as never, timeout: 3000 },
    auth: { persistSession: false, autoRefreshToken: false },
  })
  onCleanup(async () => {
    await Promise.race([supabase.realtime.disconnect(), new Promise((r) => setTimeout(r, 200))])
  })
  return supabase
}

export interface StatusLog {
  statuses: string[]
  errors: (Error | undefined)[]
  /** Resolves when the channel reports this status (now or later). */
  when(status: string, timeoutMs?: number): Promise<Error | undefined>
}

/** Subscribes and records every status the callback sees. */
export function subscribe(channel: RealtimeChannel): StatusLog {
  const log: StatusLog & { waiters: (() => void)[] } = {
    statuses: [],
    errors: [],
    waiters: [],
    when(status, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const index = log.statuses.indexOf(status)
          if (index === -1) return false
          clearTimeout(timer)
          resolve(log.errors[index])
          return true
        }
        const timer = setTimeout(() => reject(new Error(`no ${status} within ${timeoutMs} ms; saw ${log.statuses.join(', ')}`)), timeoutMs)
        if (!check()) log.waiters.push(() => void check())
      })
    },
  }
  channel.subscribe((status, error) => {
    log.statuses.push(status)
    log.errors.push(error)
    for (const waiter of log.waiters) waiter()
  })
  return log
}

/** Collects payloads handed to a callback; `next()` waits for the next unread one. */
export function collector<T = any>() {
  const items: T[] = []
  let read = 0
  const waiters: (() => void)[] = []
  return {
    items,
    push: (item: T) => {
      items.push(item)
      for (const w of waiters.splice(0)) w()
    },
    async next(timeoutMs = 2000): Promise<T> {
      const deadline = Date.now() + timeoutMs
      while (read >= items.length) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`nothing collected within ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return items[read++]
    },
  }
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
