/**
 * The browser side of leader election (loaded only where SharedWorker is missing): one Election per
 * page over `navigator.locks` and BroadcastChannel; while this tab leads, it runs the hub in the page
 * with the tab-liveness watch, the shared outbox (one owner per project) and a lifetime lock that
 * tells followers the moment this tab is gone.
 */
import { hubLifetimeLockName } from '@shared-realtime/worker/protocol'
import { Election, type ElectedEndpoint, type LeaderHub } from './election.ts'

let election: Election | null = null
const EPOCH_KEY = 'shared-realtime:leader-epoch'


/** Whether this browser can elect a leader: Web Locks and BroadcastChannel both exist. */
export function electionSupported(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.locks && typeof BroadcastChannel !== 'undefined'
}

async function startPageHub(): Promise<LeaderHub> {
  const { createHub, createIdbOutboxStore, createWebLocksLiveness, originHubEnvironment } = await import('@shared-realtime/worker')
  const epoch = crypto.randomUUID()
  const lifetimeLock = hubLifetimeLockName(epoch)
  let releaseLifetime = () => {}
  await new Promise<void>((held) => {
    void navigator.locks.request(lifetimeLock, () => {
      held()
      return new Promise<void>((resolve) => (releaseLifetime = resolve))
    })
  })
  const idb = typeof indexedDB !== 'undefined'
  const hub = createHub({
    epoch,
    lifetimeLock,
    liveness: createWebLocksLiveness(navigator.locks),
    createStore: idb ? () => createIdbOutboxStore() : undefined,
    ...originHubEnvironment(idb ? navigator.locks : undefined, BroadcastChannel),
    // Page timers are throttled in hidden tabs: deliver without waiting for a timer.
    flushZeroDelay: 'microtask',
  })
  // Abdicating (handover.ts): the released lifetime lock tells this page's tabs and the followers at once.
  return { connect: (port) => hub.connect(port), close: () => (hub.close(), releaseLifetime()) }
}

export function connectToElectedHub(): Promise<ElectedEndpoint> {
  election ??= new Election({
    locks: navigator.locks,
    Channel: BroadcastChannel,
    startHub: startPageHub,
    hidden: () => document.visibilityState === 'hidden',
    onVisibilityChange: (listener) => {
      document.addEventListener('visibilitychange', listener)
      return () => document.removeEventListener('visibilitychange', listener)
    },
    visible: () =>
      new Promise<void>((resolve) => {
        if (document.visibilityState !== 'hidden') return resolve()
        document.addEventListener('visibilitychange', function onChange() {
          if (document.visibilityState === 'hidden') return
          document.removeEventListener('visibilitychange', onChange)
          resolve()
        })
      }),
    lastEpoch: {
      read: () => {
        try {
          return Number(localStorage.getItem(EPOCH_KEY)) || 0
        } catch {
          return 0 // storage disabled: the channel's announcements and the clock still order epochs
        }
      },
      write: (epoch) => {
        try {
          localStorage.setItem(EPOCH_KEY, String(epoch))
        } catch {
          // as above
        }
      },
    },
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  })
  return election.endpoint()
}
