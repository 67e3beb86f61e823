/**
 * The tab's link to the hub: hello, the tab lock, noticing a hub that died (its lock, a ping
 * watchdog, a call that timed out), failover to a new hub with re-registration, and every call into
 * the hub with a deadline and a typed error. What to re-register and where events go is the host's
 * business (`HubConnectionHost`): this module knows connections, not channels.
 */
import { PROTOCOL_VERSION, Timeout, type Clock, type DeliveryFrame, type HubOptions, type RealtimeErrorPayload, type Result, type TabEvent, type TabHello } from '@shared-realtime/worker/protocol'
import { RealtimeError, afterClose } from '../errors.ts'
import type { HubEndpoint } from '../connect.ts'
import { releaseConnection, sayHello, type Connection, type HubRemote } from './hello.ts'
import { startHubWatchdog, type HubWatchdog } from './hub-watchdog.ts'
import { createTabLock, watchHubLock, type LockManagerLike, type TabLock } from './tab-lock.ts'
import { toRealtimeError, unwrap, withTimeout } from './rpc.ts'

/** One call into the hub: `body` picks the method, the caller gets its value or a RealtimeError. */
export type HubCall = <T>(what: string, body: (api: HubRemote) => Promise<Result<T>>) => Promise<T>

/** Pause before trying a hub again after one could not be reached. */
export const HUB_RETRY_DELAY_MS = 1_000
/** How long close() waits for the hub to acknowledge the goodbye. */
export const BYE_TIMEOUT_MS = 1_000
/** Deadline of the ping that checks a hub after one of its calls timed out. */
export const VERIFY_TIMEOUT_MS = 2_000

export const HUB_LOST: RealtimeErrorPayload = { code: 'connection-lost', message: 'the shared worker stopped; reconnecting through a new one', retryable: true }

export interface HubConnectionOptions {
  clock: Clock
  tabId: string
  project: TabHello['project']
  hubOptions: HubOptions
  endpoint: () => HubEndpoint | Promise<HubEndpoint>
  hubCheckIntervalMs: number
  /** The Web Locks manager, read at call time; undefined where there is none. */
  locks: () => LockManagerLike | undefined
}

/** What the connection needs from the client that owns it. */
export interface HubConnectionHost {
  /** The parts of hello that change over time: the token state, the page's visibility and network. */
  hello(): Pick<TabHello, 'token' | 'tokenPending' | 'visible' | 'online'>
  /** The deadline of every call, in ms. */
  timeoutMs(): number
  /** A batch of this tab's events arrived on the delivery port. */
  onFrame(frame: DeliveryFrame<TabEvent>): void
  /** A hub answered hello; `restarted` when it replaces one this tab had. */
  connected(conn: Connection, restarted: boolean): void
  /** The hub went away; `since` is when this tab last heard from it. */
  lost(error: RealtimeErrorPayload, since: number): void
  /** Re-registers everything the tab had on a new hub; a rejection makes the connection start over. */
  restore(call: HubCall): Promise<void>
}

/**
 * @example
 * const hub = new HubConnection(options, host)
 * const status = await hub.call('send()', (api) => api.send(id, message, { messageId }))
 */
export class HubConnection {
  #options: HubConnectionOptions
  #host: HubConnectionHost
  #clock: Clock
  #tabLock: TabLock
  #conn: Connection | null = null
  #ready: Promise<Connection>
  #restarting: Promise<Connection> | null = null
  #closed = false
  /** When a hub last answered or delivered: a lost hub's outage starts here. */
  #lastContact: number | null = null
  #watchdog: HubWatchdog | null = null
  #retryTimer: Timeout
  #abortRetry: (() => void) | null = null

  constructor(options: HubConnectionOptions, host: HubConnectionHost) {
    this.#options = options
    this.#host = host
    this.#clock = options.clock
    this.#tabLock = createTabLock(options.tabId, options.locks)
    this.#retryTimer = new Timeout(options.clock)
    // Connects to the first hub at once; calls wait for it. The host hears from it only asynchronously.
    this.#ready = this.#connect(false)
    this.#ready.catch(() => this.#retryLater())
  }

  /** The connection in use, or null while there is none (connecting, failing over, closed). */
  get current(): Connection | null {
    return this.#conn
  }

  /** Every rejection that reaches the app is a RealtimeError with a code, whatever failed underneath. */
  async call<T>(what: string, body: (api: HubRemote) => Promise<Result<T>>): Promise<T> {
    if (this.#closed) throw afterClose(what)
    const timeoutMs = this.#host.timeoutMs()
    const conn = await withTimeout(this.#clock, this.#ready, timeoutMs * 2, what)
    try {
      return unwrap(await withTimeout(this.#clock, body(conn.remote), timeoutMs, what))
    } catch (error) {
      const typed = toRealtimeError(error, what)
      if (typed.code === 'timeout') this.#verify(conn)
      // A proxy released because the hub was replaced meanwhile: the call may be retried on the new one.
      if (this.#conn !== conn && typed.code === 'protocol') throw RealtimeError.of('connection-lost', `${what}: the shared worker was replaced during the call`, true, error)
      throw typed
    }
  }

  /**
   * A call that is safe to make twice (it carries an id the hub deduplicates): if the hub died during
   * it, it is made once more through the new hub.
   */
  async callSurvivingRestart<T>(what: string, body: (api: HubRemote) => Promise<Result<T>>): Promise<T> {
    try {
      return await this.call(what, body)
    } catch (error) {
      const hubGone = this.#restarting !== null || this.#conn === null
      if (error instanceof RealtimeError && (error.code === 'timeout' || error.code === 'connection-lost') && hubGone) {
        await withTimeout(this.#clock, this.#ready, this.#host.timeoutMs() * 2, what)
        return this.call(what, body)
      }
      throw toRealtimeError(error, what)
    }
  }

  /** Fire and forget: network and visibility changes the worker cannot see. */
  hint(hint: { online?: boolean; visible?: boolean }): void {
    const conn = this.#conn
    if (conn) void withTimeout(this.#clock, conn.remote.hint(hint), this.#host.timeoutMs(), 'hint').catch(() => {})
  }

  /** The page is going away: the hub drops this tab now rather than when its lock is released. */
  goodbye(): void {
    void this.#conn?.remote.bye().catch(() => {})
  }

  /** Treats the current hub as gone and connects again (the page came back from the back/forward cache). */
  replaceHub(): void {
    if (this.#conn) this.#replace(this.#conn)
  }

  /** Says goodbye, lets go of the hub and the tab lock, and leaves no timer behind. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#retryTimer.clear()
    this.#abortRetry?.()
    const conn = this.#conn
    if (conn) {
      this.#detach(conn)
      await withTimeout(this.#clock, conn.remote.bye(), BYE_TIMEOUT_MS, 'close()').catch(() => {})
      releaseConnection(conn)
    }
    this.#tabLock.release()
  }

  async #connect(restarted: boolean): Promise<Connection> {
    // The lock must be held before hello (the hub watches it), but it can be taken while the port opens.
    const [endpoint] = await Promise.all([this.#options.endpoint(), this.#tabLock.hold()])
    const conn = await sayHello({
      clock: this.#clock,
      endpoint,
      hello: { tabId: this.#options.tabId, protocol: PROTOCOL_VERSION, project: this.#options.project, options: this.#options.hubOptions, ...this.#host.hello() },
      timeoutMs: this.#host.timeoutMs(),
      onFrame: (frame) => {
        this.#lastContact = this.#clock.now()
        this.#host.onFrame(frame)
      },
    })
    if (this.#closed) {
      releaseConnection(conn)
      throw RealtimeError.of('closed', 'the client was closed')
    }
    this.#conn = conn
    this.#watch(conn)
    this.#host.connected(conn, restarted)
    return conn
  }

  /** Notices a killed hub: its lock is released at once; a ping watchdog backs that up. */
  #watch(conn: Connection): void {
    if (conn.lock) {
      watchHubLock(this.#options.locks(), conn.lock, () => {
        if (this.#conn === conn) this.#replace(conn)
      })
    }
    this.#watchdog?.stop()
    this.#watchdog = startHubWatchdog({
      clock: this.#clock,
      intervalMs: this.#options.hubCheckIntervalMs,
      timeoutMs: () => this.#host.timeoutMs(),
      ping: () => conn.remote.ping(),
      epoch: conn.epoch,
      alive: () => (this.#lastContact = this.#clock.now()),
      lost: () => this.#replace(conn),
    })
  }

  /** Stops using `conn` (its watchdog too) if it is the current one. */
  #detach(conn: Connection): void {
    if (this.#conn !== conn) return
    this.#conn = null
    this.#watchdog?.stop()
    this.#watchdog = null
  }

  #verify(conn: Connection): void {
    // The hub may already have been replaced and this proxy released: touching it would throw (issue #12).
    if (this.#conn !== conn) return
    const check = (async () => unwrap(await withTimeout(this.#clock, conn.remote.ping(), VERIFY_TIMEOUT_MS, 'hub check')))()
    check.catch(() => this.#replace(conn))
  }

  /** Fire and forget: a failed replacement retries on its own (#reregister) and callers see it through #ready. */
  #replace(conn: Connection): void {
    this.#hubLost(conn).catch(() => {})
  }

  async #hubLost(conn: Connection): Promise<Connection> {
    if (this.#restarting) return this.#restarting
    if (this.#conn !== conn || this.#closed) return this.#ready
    const since = this.#lastContact ?? this.#clock.now()
    this.#detach(conn)
    releaseConnection(conn)
    this.#host.lost(HUB_LOST, since)
    return this.#reregister()
  }

  /** Connects to a new hub and re-registers everything this tab had; tries again after a pause until it works. */
  #reregister(): Promise<Connection> {
    const restarting = (async () => {
      const next = await this.#connect(true)
      try {
        await this.#host.restore(async (what, body) => unwrap(await withTimeout(this.#clock, body(next.remote), this.#host.timeoutMs(), what)))
      } catch (error) {
        // Half registered is not registered: drop this hub connection and start over.
        if (this.#conn === next) {
          this.#detach(next)
          releaseConnection(next)
        }
        throw error
      }
      return next
    })().catch((thrown) => {
      throw toRealtimeError(thrown, 'reconnecting to the shared worker')
    })
    this.#restarting = restarting
    this.#ready = restarting
    restarting.then(
      () => {
        if (this.#restarting === restarting) this.#restarting = null
      },
      () => {
        if (this.#restarting === restarting) this.#restarting = null
        this.#retryLater()
      },
    )
    return restarting
  }

  /** Could not reach a hub (first connection or a replacement): try again after a pause; calls wait for it meanwhile. */
  #retryLater(): void {
    if (this.#closed) return
    const retry = new Promise<void>((resolve, reject) => {
      this.#retryTimer.set(HUB_RETRY_DELAY_MS, resolve)
      // close() during the pause: calls waiting for a hub fail now instead of at their deadline.
      this.#abortRetry = () => reject(RealtimeError.of('closed', 'the client was closed'))
    }).then(() => this.#reregister())
    this.#ready = retry
    retry.catch(() => {})
  }
}
