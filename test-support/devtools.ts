/**
 * What Playwright cannot do on its own, through the DevTools Protocol: find and kill the SharedWorker
 * (it is not a Playwright target) and freeze a tab (browser-platform.md).
 */
import type { CDPSession, Page } from '@playwright/test'

export interface TargetInfo {
  targetId: string
  type: string
  title: string
  url: string
}

/** The browser's live SharedWorker targets, through a browser-level CDP session. */
export async function sharedWorkerTargets(cdp: CDPSession): Promise<TargetInfo[]> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }
  return targetInfos.filter((t) => t.type === 'shared_worker')
}

/**
 * Freezes a tab: Page.setWebLifecycleState('frozen') plus a paused debugger, so that it runs nothing
 * at all (in headless Chromium MessagePort tasks still ran with the lifecycle state alone). Returns
 * the thaw, which may be called more than once.
 */
export async function freeze(page: Page): Promise<() => Promise<void>> {
  const cdp: CDPSession = await page.context().newCDPSession(page)
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
  await cdp.send('Debugger.enable')
  await cdp.send('Debugger.pause')
  let thawed = false
  return async () => {
    if (thawed) return
    thawed = true
    await cdp.send('Debugger.resume').catch(() => {})
    await cdp.send('Debugger.disable').catch(() => {})
    await cdp.send('Page.setWebLifecycleState', { state: 'active' }).catch(() => {})
    await cdp.detach().catch(() => {})
  }
}
