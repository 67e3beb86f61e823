/**
 * Leader election where SharedWorker is missing: the tabs of an origin queue for one Web Lock; its
 * holder (the leader) runs the hub, and the others (followers) reach it over BroadcastChannel through
 * virtual ports (virtual-link.ts), with the same client API. The lock passes to the next tab in line
 * the moment the leader closes or crashes; followers notice through the hub's lifetime lock (as with a
 * killed SharedWorker), connect to the new leader and re-register. A hidden tab joins the line late,
 * so that a visible tab leads where there is one; a leader that stays hidden hands over (handover.ts).
 */
import type { HubEndpoint } from '../hub/hub-endpoint.ts'
import { CONTROL_CHANNEL, LINK_VERSION, linkChannelName, linkLockName, linkStats, parseControl } from './link-frames.ts'
import { VirtualLink, type ChannelLike } from './virtual-link.ts'
import { HiddenHandover, type HandoverEnv } from './handover.ts'

export interface ElectionLocks {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>
}

export interface LeaderHub {
  connect(port: MessagePort): void
  /** Stops the hub and lets go of its lifetime lock (the leader abdicates): its tabs reconnect. */
  close(): void
}

export interface ElectionEnv extends HandoverEnv {
  locks: ElectionLocks
  Channel: new (name: string) => ChannelLike
  /** Starts the hub this tab runs while it leads (resolves once it accepts connections). */
  startHub(): Promise<LeaderHub>
  /** Resolves when the page becomes visible (or at once if it is). */
  visible(): Promise<void>
  /**
   * The last leader epoch of the origin, kept where every tab reads it synchronously (localStorage):
   * with the epochs heard on the channel, it keeps epochs growing even if an announcement was missed.
   */
  lastEpoch: { read(): number; write(epoch: number): void }
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
  /** While leading: lets go of the leader lock; and the watch that hands over when hidden too long. */
  #release = () => {}
  #handover: HiddenHandover | null = null
  /** A leader of this epoch handed over: granted the lock while hidden, this tab lets it pass once. */
  #yieldEpoch: number | null = null
  /** While abdicating: hears our own handover frame go out, then lets go of the lock. */
  #echo: ChannelLike | null = null
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
    await this.#env.locks.request(LEADER_LOCK, {}, () => this.#granted()).catch(() => {})
  }

  #granted(): Promise<void> | null {
    if (this.#closed) return null
    if (!this.#env.hidden() || this.#yieldEpoch === null || this.#yieldEpoch < this.#seen) return this.#lead()
    // A leader stepped down for a visible tab, which is behind this hidden one in line: let it pass.
    this.#yieldEpoch = null
    void this.#queue()
    return null
  }

  /** Runs the hub while this tab holds the lock; the returned promise settles when it abdicates. */
  #lead(): Promise<void> {
    const epoch = Math.max(this.#seen + 1, this.#env.lastEpoch.read() + 1, Date.now())
    this.#env.lastEpoch.write(epoch)
    this.#seen = epoch
    this.#epoch = epoch
    this.#deposed = false
    this.#hub = this.#env.startHub()
    this.#decide()
    this.#post({ sr: LINK_VERSION, kind: 'leader', epoch })
    this.#handover = new HiddenHandover(this.#env, () => this.#abdicate())
    return new Promise<void>((resolve) => (this.#release = resolve))
  }

  /**
   * Hands over to a visible tab as a closing leader would: stops the hub (its tabs and followers
   * reconnect and re-register with the next leader), announces the handover, lets go of the lock once
   * that announcement is out, and queues again as a hidden tab (late).
   */
  #abdicate(): void {
    const hub = this.#hub
    const epoch = this.#epoch
    if (!hub) return
    this.#hub = null
    this.#handover = null
    for (const link of this.#links.values()) link.close()
    this.#links.clear()
    void hub.then((h) => h.close())
    const echo = (this.#echo = new this.#env.Channel(CONTROL_CHANNEL))
    echo.addEventListener('message', (event) => {
      const frame = parseControl(event.data)
      if (frame?.kind !== 'handover' || frame.epoch !== epoch) return
      this.#echo = null
      echo.close()
      this.#release()
      void this.#queue()
    })
    this.#post({ sr: LINK_VERSION, kind: 'handover', epoch })
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
    this.#handover?.close()
    this.#echo?.close()
    for (const follower of [...this.#followers]) follower.close?.()
    for (const link of this.#links.values()) link.close()
    this.#links.clear()
    this.#control.close()
  }

  #onControl(raw: unknown): void {
    const frame = parseControl(raw)
    if (!frame) return void linkStats.ignored++
    if (frame.kind === 'handover') return void (this.#yieldEpoch = frame.epoch)
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
      onControl: (frame) => (frame.kind === 'close' ? drop() : frame.kind === 'state' && frame.epoch === epoch && this.#handover?.follower(link, frame.hidden)),
    })
    const drop = () => {
      if (this.#links.get(link) !== virtual) return
      this.#links.delete(link)
      this.#handover?.follower(link, true)
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
        report()
        for (const [data, transfer] of queued.splice(0)) virtual.send('main', data, transfer)
      },
    })
    // Tells the leader whether this page is visible (it hands over to a visible tab when hidden too long).
    const report = () => epoch !== null && virtual.post({ sr: LINK_VERSION, kind: 'state', epoch, hidden: env.hidden() })
    const stopReporting = env.onVisibilityChange(report)
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
        stopReporting()
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
