// @vitest-environment node
/**
 * Server rendering: no window, no document; the client made there stays idle and refuses channel
 * calls. Every hook renders its idle state and never touches the client while rendering.
 */
import { StrictMode } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { RealtimeError } from '../../client/src/errors.ts'
import {
  IDLE_HEALTH,
  SharedRealtimeProvider,
  useBroadcast,
  useChannel,
  usePostgresChanges,
  usePresence,
  usePresenceState,
  useRealtimeStatus,
  useRealtimeSubscription,
  useResync,
  type RealtimeLike,
} from '../src/index.ts'

/** A client that throws on every call, as an idle server-side client may: the hooks must not call it while rendering. */
function refusingClient(calls: string[]): RealtimeLike {
  const refuse = (what: string) => () => {
    calls.push(what)
    throw RealtimeError.of('invalid-argument', `${what} is not available during server rendering`)
  }
  return {
    channel: refuse('channel'),
    removeChannel: refuse('removeChannel'),
    getHealthStatus: refuse('getHealthStatus'),
    onHealthChange: refuse('onHealthChange'),
    reportError: refuse('reportError'),
  }
}

function Page() {
  const health = useRealtimeStatus()
  const { channel, status } = useChannel('room')
  const orders = usePostgresChanges({ event: 'INSERT', table: 'orders', batch: { maxSize: 10 } }, () => {})
  const legacy = useRealtimeSubscription({ table: 'orders', event: '*', debounceMs: 100, callback: () => {} })
  const send = useBroadcast('room', 'msg', () => {}, { throttleMs: 100 })
  usePresence('room', { user: 'ann' })
  const people = usePresenceState('room')
  useResync('room', () => {})
  return (
    <p>
      {[health.status, health.tabCount, status, String(channel), orders.status, legacy.status, typeof send, Object.keys(people).length].join('|')}
    </p>
  )
}

describe('server rendering', () => {
  it('has no window here (the test really runs as on a server)', () => {
    expect(typeof window).toBe('undefined')
    expect(typeof document).toBe('undefined')
  })

  it('renders idle state with every hook, in StrictMode, without calling the client', () => {
    const calls: string[] = []
    const html = renderToString(
      <StrictMode>
        <SharedRealtimeProvider client={refusingClient(calls)}>
          <Page />
        </SharedRealtimeProvider>
      </StrictMode>,
    )
    expect(html).toBe('<p>idle|0|idle|null|idle|idle|function|0</p>')
    expect(calls).toEqual([])
    expect(IDLE_HEALTH.status).toBe('idle')
  })

  it('still throws the provider error outside a provider', () => {
    expect(() => renderToString(<Page />)).toThrow(/inside <SharedRealtimeProvider/)
  })
})
