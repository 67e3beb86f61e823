/**
 * Deploys: every hub announces its protocol version on a BroadcastChannel when it starts, and answers
 * an older hub's announcement with its own. A hub that learns of a newer one calls `onNewer` once (it
 * hands over its outbox ownership and tells its tabs that an update is available). Messages of another
 * shape on the channel are ignored and counted.
 */
export const VERSION_CHANNEL_NAME = 'shared-realtime:hubs'

export interface VersionNote {
  sr: 'hub'
  protocol: number
  epoch: string
}

interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

export interface VersionAnnouncer {
  /** The newest protocol seen from another hub, if newer than this one's. */
  readonly newer: number | null
  readonly ignored: number
  close(): void
}

export function announceVersion(channel: ChannelLike, me: { protocol: number; epoch: string }, onNewer: (protocol: number) => void): VersionAnnouncer {
  let newer: number | null = null
  let ignored = 0
  const post = () => {
    try {
      channel.postMessage({ sr: 'hub', protocol: me.protocol, epoch: me.epoch } satisfies VersionNote)
    } catch {
      // Closed: this hub is shutting down.
    }
  }
  channel.addEventListener('message', ({ data }) => {
    const note = data as Partial<VersionNote> | null
    if (!note || note.sr !== 'hub' || typeof note.protocol !== 'number' || typeof note.epoch !== 'string') return void ignored++
    if (note.epoch === me.epoch) return
    if (note.protocol < me.protocol) return post()
    if (note.protocol > me.protocol && (newer === null || note.protocol > newer)) {
      const first = newer === null
      newer = note.protocol
      if (first) onNewer(note.protocol)
    }
  })
  post()
  return {
    get newer() {
      return newer
    },
    get ignored() {
      return ignored
    },
    close: () => channel.close(),
  }
}
