/**
 * What tabs say to each other over BroadcastChannel when the hub runs in a leader tab (no
 * SharedWorker): the control channel (a follower asks for a link, a new leader announces itself) and
 * one channel per link (MessagePort-like traffic in both directions). Frames carry the leader's epoch,
 * which grows across leaders: a follower drops frames of any other epoch than the one it accepted.
 * Anything else on these channels (other code, another version) is ignored and counted.
 */
export const LINK_VERSION = 1
export const CONTROL_CHANNEL = `shared-realtime:leader:v${LINK_VERSION}`
export const linkChannelName = (link: string) => `shared-realtime:link:v${LINK_VERSION}:${link}`
/** The Web Lock a follower holds while its end of a link is open; the leader's grant of it means the follower is gone. */
export const linkLockName = (link: string) => `shared-realtime:link-open:${link}`

export type ControlFrame =
  | { sr: typeof LINK_VERSION; kind: 'connect'; link: string }
  | { sr: typeof LINK_VERSION; kind: 'leader'; epoch: number }
  /** The leader of `epoch` steps down for a visible tab: a hidden tab granted the lock next lets it pass once. */
  | { sr: typeof LINK_VERSION; kind: 'handover'; epoch: number }

export type LinkFrame =
  | { sr: typeof LINK_VERSION; kind: 'accept'; epoch: number }
  /** A message for virtual port `port` ('main', or one transferred earlier); `ports` names ports it carries. */
  | { sr: typeof LINK_VERSION; kind: 'msg'; epoch: number; port: string; data: unknown; ports: string[] }
  | { sr: typeof LINK_VERSION; kind: 'close'; epoch: number }
  /** The follower's page is hidden or not (handover.ts). */
  | { sr: typeof LINK_VERSION; kind: 'state'; epoch: number; hidden: boolean }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

export function parseControl(data: unknown): ControlFrame | null {
  if (!isObject(data) || data.sr !== LINK_VERSION) return null
  if (data.kind === 'connect' && typeof data.link === 'string') return data as ControlFrame
  if ((data.kind === 'leader' || data.kind === 'handover') && typeof data.epoch === 'number') return data as ControlFrame
  return null
}

export function parseLink(data: unknown): LinkFrame | null {
  if (!isObject(data) || data.sr !== LINK_VERSION || typeof data.epoch !== 'number') return null
  if (data.kind === 'accept' || data.kind === 'close') return data as LinkFrame
  if (data.kind === 'state' && typeof data.hidden === 'boolean') return data as LinkFrame
  if (data.kind === 'msg' && typeof data.port === 'string' && Array.isArray(data.ports) && data.ports.every((p) => typeof p === 'string')) return data as LinkFrame
  return null
}

/** Counts what was ignored on the tab's channels (unknown shapes, other versions, stale epochs). */
export const linkStats = { ignored: 0 }
