/**
 * The plain supabase-js observer: a RealtimeClient in this process on a socket the faults do not touch
 * (`dev_fault_exempt=1`, packages/server/README.md), so its own outages can never count as losses.
 * Any outage it still has is recorded and reported.
 */
import { outsideClient } from '../../test-support/outside-client.ts'
import type { ObserverRecord } from './checks.ts'

export async function startObserver(serverUrl: string, anonKey: string, topic: string, event: string) {
  const client = outsideClient(serverUrl, anonKey, { dev_fault_exempt: '1' })
  const record: ObserverRecord = { arrivals: [] }
  const statuses: { status: string; at: number }[] = []
  const channel = client.channel(topic)
  channel.on('broadcast', { event }, (message: { payload?: { from?: string; n?: number; __sr_id?: string } }) => {
    const p = message.payload ?? {}
    if (typeof p.from === 'string' && typeof p.n === 'number') record.arrivals.push({ from: p.from, n: p.n, id: p.__sr_id ?? null })
  })
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, error) => {
      statuses.push({ status, at: Date.now() })
      if (status === 'SUBSCRIBED') resolve()
      else if (statuses.length === 1) reject(error ?? new Error(status))
    })
  })
  return {
    record,
    /** Status changes after the first SUBSCRIBED: anything here is an outage of the observer itself. */
    outages: () => statuses.slice(1).filter((s) => s.status !== 'SUBSCRIBED').length,
    close: () => client.disconnect(),
  }
}
