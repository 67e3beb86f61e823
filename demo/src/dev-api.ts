/**
 * The local server's `/_dev` control API (fault injection and stats), used by the outage simulator
 * and the connection indicator.
 *
 * SECURITY: this embeds the service_role key of the Supabase CLI's well-known *local* JWT secret
 * (the same value as LOCAL_SERVICE_ROLE_KEY in packages/server/src/auth.ts; it is public and only
 * valid against a local stack). That is acceptable for this local-only demo: the control API exists
 * only on the local server and answers loopback clients only. Never ship a real service_role key
 * to a browser.
 */
const LOCAL_SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU'

export interface DevStats {
  sockets: number
  socketsTotal: number
  channels: Record<string, number>
  joinsTotal: number
  framesIn: number
  framesOut: number
  heartbeats: number
  messagesDelivered: number
}

export interface DevApi {
  stats(): Promise<DevStats>
  drop(code?: number): Promise<{ dropped: number }>
  stall(ms: number): Promise<{ stallUntil: number }>
  refuse(ms: number): Promise<{ refuseUntil: number }>
  latency(ms: number): Promise<{ latencyMs: number }>
}

export function createDevApi(supabaseUrl: string): DevApi {
  const call = async <T>(path: string, body?: object): Promise<T> => {
    const response = await fetch(new URL(`_dev/${path}`, supabaseUrl.endsWith('/') ? supabaseUrl : `${supabaseUrl}/`), {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${LOCAL_SERVICE_ROLE_KEY}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`/_dev/${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }
  return {
    stats: () => call('stats'),
    drop: (code) => call('drop', code === undefined ? {} : { code }),
    stall: (ms) => call('stall', { ms }),
    refuse: (ms) => call('refuse', { ms }),
    latency: (ms) => call('latency', { ms }),
  }
}
