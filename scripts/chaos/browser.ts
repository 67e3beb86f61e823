/**
 * The browser side of the soak that Playwright cannot do on its own (through the DevTools Protocol):
 * kill the SharedWorker and hear the worker's uncaught exceptions (browser-platform.md §10.5). The demo
 * build, its static server and freeze() are in test-support/, shared with the e2e tests and the bench.
 */
import type { Browser } from '@playwright/test'
import { sharedWorkerTargets, type TargetInfo } from '../../test-support/devtools.ts'

/**
 * Watches every SharedWorker the browser starts: attaches to it (non-flat, the only way Playwright's
 * CDP session reaches it), enables Runtime and records its uncaught exceptions; kills and inspects it.
 */
export async function watchWorkers(browser: Browser, onError: (message: string) => void) {
  const cdp = await browser.newBrowserCDPSession()
  const attached = new Set<string>()
  const sessions = new Map<string, string>()
  const attach = async (target: TargetInfo) => {
    if (target.type !== 'shared_worker' || attached.has(target.targetId)) return
    attached.add(target.targetId)
    try {
      const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string }
      sessions.set(target.targetId, sessionId)
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.enable' }) })
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 2, method: 'Runtime.runIfWaitingForDebugger' }) })
    } catch {
      // The worker may already be gone (killed right after it started).
    }
  }
  const answers = new Map<number, (result: unknown) => void>()
  let nextId = 100
  cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; method?: string; params?: { exceptionDetails?: { text?: string; exception?: { description?: string } } } }
    if (message.id !== undefined) answers.get(message.id)?.(message.result)
    if (message.method !== 'Runtime.exceptionThrown') return
    const details = message.params?.exceptionDetails
    onError(`${details?.text ?? 'exception'} ${details?.exception?.description ?? ''}`.trim())
  })
  // Attaching a debugger to a worker that is still starting left it stuck before its script ran
  // (headless Chromium 156, observed in this soak), so workers are attached once they have run 3 s;
  // an exception in a worker's first 3 s is not seen.
  const firstSeen = new Map<string, number>()
  let polling = true
  const poll = (async () => {
    while (polling) {
      const { targetInfos } = (await cdp.send('Target.getTargets').catch(() => ({ targetInfos: [] }))) as { targetInfos: TargetInfo[] }
      for (const target of targetInfos) {
        if (target.type !== 'shared_worker') continue
        if (!firstSeen.has(target.targetId)) firstSeen.set(target.targetId, Date.now())
        else if (Date.now() - firstSeen.get(target.targetId)! >= 3_000) await attach(target)
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  })()
  return {
    /** Kills the context's SharedWorker (what a crash or the OS would do); false if there was none. */
    async killWorker(): Promise<boolean> {
      const workers = await sharedWorkerTargets(cdp)
      for (const worker of workers) {
        // Detach first: a DevTools session left on a killed shared worker made Chromium hold its
        // next instance before its script ran (waiting for the debugger), so tabs never got an answer.
        const sessionId = sessions.get(worker.targetId)
        sessions.delete(worker.targetId)
        attached.delete(worker.targetId)
        firstSeen.delete(worker.targetId)
        if (sessionId) await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {})
        await cdp.send('Target.closeTarget', { targetId: worker.targetId }).catch(() => {})
      }
      return workers.length > 0
    },
    async workerCount(): Promise<number> {
      return (await sharedWorkerTargets(cdp)).length
    },
    /** Evaluates `expression` in every live SharedWorker (diagnostics when a run fails). */
    async evaluate(expression: string): Promise<unknown[]> {
      const results: unknown[] = []
      for (const target of await sharedWorkerTargets(cdp)) {
        const sessionId = sessions.get(target.targetId)
        if (!sessionId) {
          results.push({ target: target.url, error: 'not attached' })
          continue
        }
        const id = nextId++
        const answer = new Promise<unknown>((resolve) => answers.set(id, resolve))
        await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, returnByValue: true, awaitPromise: true } }) })
        results.push(await Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve({ error: 'no answer within 5 s' }), 5_000))]))
        answers.delete(id)
      }
      return results
    },
    async detach() {
      polling = false
      await poll
      await cdp.detach().catch(() => {})
    },
  }
}
