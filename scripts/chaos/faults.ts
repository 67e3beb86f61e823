/**
 * The faults of the soak and how each is injected: through the local server's control API, the
 * DevTools Protocol (a killed worker, a frozen tab), or the tabs themselves (token rotation, a tab
 * closed and another opened). Faults with a duration add their lifting to `lifts`.
 */
import type { Page } from '@playwright/test'
import { createJwtVerifier } from '../../packages/server/src/index.ts'
import { freeze } from '../../test-support/devtools.ts'
import type { SeededRandom } from './random.ts'

export type FaultKind = 'drop-1000' | 'drop-1006' | 'drop-1011' | 'drop-1012' | 'stall' | 'refuse' | 'latency' | 'token-expiry' | 'kill-worker' | 'replace-tab' | 'freeze-tab'
export const FAULTS: readonly FaultKind[] = ['drop-1000', 'drop-1006', 'drop-1011', 'drop-1012', 'stall', 'refuse', 'latency', 'token-expiry', 'kill-worker', 'replace-tab', 'freeze-tab']

export interface FaultTargets {
  /** The local server's control API. */
  dev(path: string, body?: unknown): Promise<unknown>
  /** Open tabs, by name. */
  live: Map<Page, string>
  /** Frozen tabs and how to thaw each. */
  frozen: Map<Page, () => Promise<void>>
  killWorker(): Promise<boolean>
  /** Records a tab, closes it and opens a new one; returns what it did. */
  replaceTab(page: Page): Promise<string>
  lifts: Promise<void>[]
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Injects one fault; returns a short description for the log. */
export async function injectFault(kind: FaultKind, r: SeededRandom, t: FaultTargets): Promise<string> {
  const awake = [...t.live.keys()].filter((p) => !t.frozen.has(p))
  switch (kind) {
    case 'drop-1000':
    case 'drop-1006':
    case 'drop-1011':
    case 'drop-1012':
      await t.dev('drop', { code: Number(kind.slice(5)) })
      return `code ${kind.slice(5)}`
    case 'stall': {
      const ms = r.int(3000, 8000)
      await t.dev('stall', { ms })
      return `${ms} ms`
    }
    case 'refuse': {
      const ms = r.int(2000, 6000)
      await t.dev('refuse', { ms })
      await t.dev('drop', { code: 1006 })
      return `${ms} ms`
    }
    case 'latency': {
      const ms = r.int(50, 400)
      const forMs = r.int(3000, 8000)
      await t.dev('latency', { ms })
      t.lifts.push(sleep(forMs).then(() => t.dev('latency', { ms: 0 }).then(() => {})))
      return `${ms} ms for ${forMs} ms`
    }
    case 'token-expiry': {
      // The same role and no `sub`: a rotation, not a user switch (which would discard the outbox).
      const token = await createJwtVerifier().sign({ role: 'anon' }, 3600)
      const setAuth = (page: Page) => page.evaluate((value) => (window as unknown as { realtime: { setAuth(t: string): Promise<void> } }).realtime.setAuth(value), token)
      await Promise.all(awake.map((page) => setAuth(page).catch(() => {})))
      await t.dev('expire-tokens', {})
      return 'rotated, then expired'
    }
    case 'kill-worker':
      return (await t.killWorker()) ? 'killed' : 'no worker'
    case 'replace-tab': {
      const page = r.pick(awake)
      return page ? t.replaceTab(page) : 'no tab'
    }
    case 'freeze-tab': {
      if (awake.length <= 1) return 'no tab'
      const page = r.pick(awake)
      const ms = r.int(2000, 8000)
      const thaw = await freeze(page)
      t.frozen.set(page, thaw)
      t.lifts.push(
        sleep(ms).then(async () => {
          await thaw()
          t.frozen.delete(page)
        }),
      )
      return `${t.live.get(page)} for ${ms} ms`
    }
  }
}
