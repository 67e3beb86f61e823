/**
 * Chromium driven over the DevTools Protocol directly, for the few tests that need **really** hidden
 * tabs. Playwright keeps every page it controls visible (it turns on focus emulation, which counts as
 * the page being captured), so `document.visibilityState` never becomes 'hidden' under it. Here tabs
 * are real tabs of one window of the default browser context: the active one is visible, background
 * ones are hidden, exactly as a user's browser has them; all of them share one SharedWorker.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium-path.mjs'

type CdpMessage = { id?: number; method?: string; params?: any; result?: any; error?: { message: string }; sessionId?: string }

export interface RawTab {
  readonly targetId: string
  /** Evaluates an expression in the page (promises are awaited) and returns its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>
  /** Polls `expression` until it is truthy (default 15 s). */
  waitFor(expression: string, timeoutMs?: number): Promise<void>
  visibility(): Promise<DocumentVisibilityState>
  /** Makes this the window's active tab: it becomes visible and the previous one hidden. */
  activate(): Promise<void>
  close(): Promise<void>
}

export interface RawChromium {
  /** Opens a tab in the one window; `background` leaves it hidden behind the active tab. */
  openTab(url: string, options?: { background?: boolean }): Promise<RawTab>
  /** A browser-level DevTools Protocol command (SystemInfo.getProcessInfo, …). */
  send(method: string, params?: object): Promise<any>
  /** Evaluates an expression in the (one) SharedWorker. */
  evaluateInWorker<T = unknown>(expression: string): Promise<T>
  readonly version: string
  close(): Promise<void>
}

export async function launchRawChromium(): Promise<RawChromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'sr-raw-chromium-'))
  const executable = chromiumPath() ?? chromium.executablePath()
  const proc: ChildProcess = spawn(
    executable,
    [...CHROMIUM_ARGS, '--headless=new', '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${output}`)), 20_000)
    proc.stderr!.on('data', (chunk) => {
      output += chunk
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    proc.once('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${output}`)))
  })
  const socket = new WebSocket(endpoint, { perMessageDeflate: false })
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  let lastId = 0
  const pending = new Map<number, { resolve(value: any): void; reject(error: Error): void }>()
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as CdpMessage
    const waiter = message.id === undefined ? undefined : pending.get(message.id)
    if (!waiter) return
    pending.delete(message.id!)
    if (message.error) waiter.reject(new Error(message.error.message))
    else waiter.resolve(message.result)
  })
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = ++lastId
      pending.set(id, { resolve, reject })
      socket.send(JSON.stringify({ id, method, params, sessionId }))
    })

  const evaluateIn = async <T>(sessionId: string, expression: string): Promise<T> => {
    const { result, exceptionDetails } = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId)
    if (exceptionDetails) throw new Error(`in tab: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`)
    return result.value as T
  }

  async function openTab(url: string, { background = false } = {}): Promise<RawTab> {
    const { targetId } = await send('Target.createTarget', { url, background, newWindow: false })
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true })
    const evaluate = <T>(expression: string) => evaluateIn<T>(sessionId, expression)
    const tab: RawTab = {
      targetId,
      evaluate,
      async waitFor(expression, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs
        for (;;) {
          const value = await evaluate<unknown>(expression).catch(() => false)
          if (value) return
          if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      },
      visibility: () => evaluate<DocumentVisibilityState>('document.visibilityState'),
      activate: () => send('Target.activateTarget', { targetId }),
      close: () => send('Target.closeTarget', { targetId }),
    }
    await tab.waitFor('document.readyState === "complete"')
    return tab
  }

  let workerSession: string | null = null
  const { product } = await send('Browser.getVersion')

  return {
    openTab,
    send: (method, params) => send(method, params),
    version: String(product).replace(/^.*\//, ''),
    async evaluateInWorker<T>(expression: string): Promise<T> {
      if (!workerSession) {
        const { targetInfos } = await send('Target.getTargets')
        const worker = targetInfos.filter((t: { type: string }) => t.type === 'shared_worker')
        if (worker.length !== 1) throw new Error(`expected one shared worker, found ${worker.length}`)
        ;({ sessionId: workerSession } = await send('Target.attachToTarget', { targetId: worker[0].targetId, flatten: true }))
      }
      return evaluateIn<T>(workerSession!, expression)
    },
    async close() {
      await send('Browser.close').catch(() => {})
      socket.close()
      await new Promise((resolve) => (proc.exitCode !== null ? resolve(null) : proc.once('exit', resolve)))
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}
