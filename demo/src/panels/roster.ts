/**
 * Which tabs are in the chat, by name. Presence cannot tell: the hub tracks one presence per shared
 * socket (five tabs of a browser appear once, by design), so each tab also announces its name over
 * broadcast, answers newcomers, and repeats itself so that tabs which vanished without a goodbye
 * (crash, frozen) expire.
 */
export const ANNOUNCE_EVERY_MS = 10_000
const EXPIRE_AFTER_MS = 25_000

export interface RosterEntry {
  tabId: string
  name: string
  seenAt: number
}

export interface Roster {
  /** Records a tab; returns true when it was not known (it should hear from us). */
  saw(tabId: string, name: string, now?: number): boolean
  left(tabId: string): void
  /** Entries seen recently, oldest name first; expired ones are removed. */
  entries(now?: number): RosterEntry[]
}

export function createRoster(): Roster {
  const tabs = new Map<string, RosterEntry>()
  return {
    saw(tabId, name, now = Date.now()) {
      const known = tabs.has(tabId)
      tabs.set(tabId, { tabId, name, seenAt: now })
      return !known
    },
    left(tabId) {
      tabs.delete(tabId)
    },
    entries(now = Date.now()) {
      for (const [id, entry] of tabs) if (now - entry.seenAt > EXPIRE_AFTER_MS) tabs.delete(id)
      return [...tabs.values()].sort((a, b) => a.name.localeCompare(b.name))
    },
  }
}
