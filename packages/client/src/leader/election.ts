/**
 * Leader election where SharedWorker is missing: the tabs of an origin queue for one Web Lock; its
 * holder (the leader) runs the hub, and the others (followers) reach it over BroadcastChannel through
 * virtual ports (virtual-link.ts), with the same client API. The lock passes to the next tab in line
 * the moment the leader closes or crashes; followers notice through the hub's lifetime lock (as with a
 * killed SharedWorker), connect to the new leader and re-register. A hidden tab joins the line late,
 * so that a visible tab leads where there is one.
 */
import type { HubEndpoint } from '../hub/hub-endpoint.ts'
import { CONTROL_CHANNEL, LINK_VERSION, linkChannelName, linkLockName, linkStats, parseControl } from './link-frames.ts'
import { VirtualLink, type ChannelLike } from './virtual-link.ts'

export interface ElectionLocks {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>
}

export interface LeaderHub {
  connect(port: MessagePort): void
}

export interface ElectionEnv {
  locks: ElectionLocks
  Channel: new (name: string) => ChannelLike
  /** Starts the hub this tab runs while it leads (resolves once it accepts connections). */
  startHub(): Promise<LeaderHub>
  hidden(): boolean
  /** Resolves when the page becomes visible (or at once if it is). */
  visible(): Promise<void>
  /**
   * The last leader epoch of the origin, kept where every tab reads it synchronously (localStorage):
   * with the epochs heard on the channel, it keeps epochs growing even if an announcement was missed.
   */
  lastEpoch: { read(): number; write(epoch: number): void }
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

export type ElectedMode = 'leader' | 'follower'
export type ElectedEndpoint = HubEndpoint & { readonly mode: ElectedMode; readonly leaderEpoch: number | null; readonly ignoredMessages: number }

/** The lock whose holder leads; the link version is in its name, so two deploys elect separately. */
export const LEADER_LOCK = `shared-realtime:leader:v${LINK_VERSION}`
/** How long a hidden tab waits before joining the line (a visible tab opened meanwhile goes first). */
export const HIDDEN_JOIN_DELAY_MS = 2_000
/** How often a follower repeats its request for a link until a leader accepts it. */
export const ASK_INTERVAL_MS = 150

export class Election {
  #env: ElectionEnv
  #control: ChannelLike
  /** Highest leader epoch seen: a new leader takes a larger one. */
  #seen = 0
  #epoch: number | null = null
  #hub: Promise<LeaderHub> | null = null
  /** A leader that heard of a larger epoch no longer accepts links (it lost the lock, e.g. stolen). */
  #deposed = false
  #links = new Map<string, VirtualLink>()
  #leaderListeners = new Set<() => void>()
  /** Follower endpoints still open: close() closes them (and their timers). */
  #followers = new Set<ElectedEndpoint>()
  #closed = false
  /** Settles once this tab knows whether it leads from the start. */
  #decided: Promise<void>
  #decide: () => void = () => {}

  constructor(env: ElectionEnv) {
    this.#env = env
    this.#control = new env.Channel(CONTROL_CHANNEL)
    this.#control.addEventListener('message', (event) => this.#onControl(event.data))
    this.#decided = new Promise<void>((resolve) => (this.#decide = resolve))
    void this.#start()
  }

  /** Followers' links this tab serves while it leads. */
  get linkCount(): number {
    return this.#links.size
  }

  get isLeader(): boolean {
    return this.#hub !== null
  }

  /** The epoch of the leader this tab knows of (its own while it leads). */
  get leaderEpoch(): number | null {
    return this.#epoch
  }

  saw(epoch: number): void {
    this.#seen = Math.max(this.#seen, epoch)
    this.#epoch = this.isLeader ? this.#epoch : epoch
  }

  async #start(): Promise<void> {
    const { locks } = this.#env
    let won = false
    await locks.request(LEADER_LOCK, { ifAvailable: true }, (lock) => {
      if (!lock) return null
      won = true
      return this.#lead()
    }).catch(() => {})
    // The request above settles only when a won lock is let go; reaching here without winning: queue.
    if (!won) {
      this.#decide()
      void this.#queue()
    }
  }

  async #queue(): Promise<void> {
    if (this.#env.hidden()) {
      await new Promise<void>((resolve) => {
        this.#env.setTimeout(resolve, HIDDEN_JOIN_DELAY_MS)
        void this.#env.visible().then(resolve)
      })
    }
    await this.#env.locks.request(LEADER_LOCK, {}, () => this.#lead()).catch(() => {})
  }

  /** Runs the hub while this tab holds the lock; the returned promise never settles (held for life). */
  #lead(): Promise<never> {
    const epoch = Math.max(this.#seen + 1, this.#env.lastEpoch.read() + 1, Date.now())
    this.#env.lastEpoch.write(epoch)
    this.#seen = epoch
    this.#epoch = epoch
    this.#hub = this.#env.startHub()
    this.#decide()
    this.#post({ sr: LINK_VERSION, kind: 'leader', epoch })
    return new Promise<never>(() => {})
  }

  #post(frame: unknown): void {
    try {
      if (!this.#closed) this.#control.postMessage(frame)
    } catch {
      // A closed channel (the page is going away): nothing to tell.
    }
  }

  /** Stops electing and serving: closes the channels, the links and every follower endpoint's timer. */
  close(): void {
    this.#closed = true
    for (const follower of [...this.#followers]) follower.close?.()
    for (const link of this.#links.values()) link.close()
    this.#links.clear()
    this.#control.close()
  }

  #onControl(raw: unknown): void {
    const frame = parseControl(raw)
    if (!frame) return void linkStats.ignored++
    if (frame.kind === 'leader') {
      if (frame.epoch > this.#seen) this.#seen = frame.epoch
      if (this.#hub && frame.epoch > this.#epoch!) this.#deposed = true
      for (const listener of this.#leaderListeners) listener()
      return
    }
    if (this.#hub && !this.#deposed && !this.#links.has(frame.link)) void this.#accept(frame.link, this.#hub)
  }

  /** Leader: bridges a follower's link to a real port into the hub. */
  async #accept(link: string, hubReady: Promise<LeaderHub>): Promise<void> {
    const epoch = this.#epoch!
    const { port1, port2 } = new MessageChannel()
    const channel = new this.#env.Channel(linkChannelName(link))
    const virtual = new VirtualLink({
      channel,
      epoch: () => epoch,
      accepts: (e) => e === epoch,
      onMain: (data, ports) => port1.postMessage(data, ports),
      onControl: (frame) => frame.kind === 'close' && drop(),
    })
    const drop = () => {
      if (this.#links.get(link) !== virtual) return
      this.#links.delete(link)
      virtual.close()
      port1.close()
    }
    this.#links.set(link, virtual)
    // The follower holds this lock while its end is open: the grant means it closed or crashed.
    this.#env.locks.request(linkLockName(link), {}, drop).catch(() => {})
    port1.onmessage = (event) => virtual.send('main', event.data)
    ;(await hubReady).connect(port2)
    virtual.post({ sr: LINK_VERSION, kind: 'accept', epoch })
  }

  /** A MessagePort-like endpoint into the leader's hub: a local port while this tab leads, else a virtual one. */
  async endpoint(): Promise<ElectedEndpoint> {
    await this.#decided
    if (this.#hub) {
      const hub = await this.#hub
      const { port1, port2 } = new MessageChannel()
      hub.connect(port2)
      return Object.defineProperty(Object.assign(port1, { mode: 'leader' as const, leaderEpoch: this.#epoch }), 'ignoredMessages', { get: () => linkStats.ignored }) as unknown as ElectedEndpoint
    }
    return this.#follow()
  }

  #follow(): ElectedEndpoint {
    const env = this.#env
    const link = crypto.randomUUID()
    let releaseLink = () => {}
    env.locks.request(linkLockName(link), {}, () => new Promise<void>((resolve) => (releaseLink = resolve))).catch(() => {})
    let epoch: number | null = null
    let closed = false
    const queued: [unknown, Transferable[] | undefined][] = []
    const listeners = new Set<(event: MessageEvent) => void>()
    const virtual = new VirtualLink({
      channel: new env.Channel(linkChannelName(link)),
      epoch: () => epoch,
      accepts: (e) => e === epoch,
      onMain: (data, ports) => {
        const event = { data, ports } as unknown as MessageEvent
        for (const listener of listeners) listener(event)
      },
      onControl: (frame) => {
        // Fencing: the first current leader to accept owns the link; older epochs and later accepts are ignored.
        if (frame.kind !== 'accept') return
        if (epoch !== null || frame.epoch < this.#seen) return void linkStats.ignored++
        epoch = frame.epoch
        this.saw(epoch)
        stopAsking()
        for (const [data, transfer] of queued.splice(0)) virtual.send('main', data, transfer)
      },
    })
    let timer: unknown = null
    const ask = () => {
      if (closed || epoch !== null) return
      this.#post({ sr: LINK_VERSION, kind: 'connect', link })
      timer = env.setTimeout(ask, ASK_INTERVAL_MS)
    }
    const onLeader = () => {
      if (timer !== null) env.clearTimeout(timer)
      ask()
    }
    const stopAsking = () => {
      if (timer !== null) env.clearTimeout(timer)
      timer = null
      this.#leaderListeners.delete(onLeader)
    }
    this.#leaderListeners.add(onLeader)
    ask()
    const endpoint: ElectedEndpoint = {
      mode: 'follower',
      get leaderEpoch() {
        return epoch
      },
      get ignoredMessages() {
        return linkStats.ignored
      },
      postMessage(data: unknown, transfer?: Transferable[]) {
        if (epoch === null) queued.push([data, transfer])
        else virtual.send('main', data, transfer)
      },
      addEventListener: (_type: 'message', listener: (event: MessageEvent) => void) => void listeners.add(listener),
      removeEventListener: (_type: 'message', listener: (event: MessageEvent) => void) => void listeners.delete(listener),
      start() {},
      close: () => {
        closed = true
        stopAsking()
        listeners.clear()
        virtual.close()
        releaseLink()
        this.#followers.delete(endpoint)
      },
    }
    this.#followers.add(endpoint)
    return endpoint
  }
}
