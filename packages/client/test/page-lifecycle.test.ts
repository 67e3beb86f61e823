/** What the page tells the hub: network and visibility hints, a goodbye on pagehide, a new hub after the back/forward cache. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TabHello } from '@shared-realtime/worker/protocol'
import { listenToPage, pageState } from '../src/page-lifecycle.ts'
import { setupClient, type ClientHandle } from './support/setup-client.ts'

/** A window and document that dispatch the events a browser would. */
function fakePage(visibilityState: 'visible' | 'hidden' = 'visible') {
  const window = new EventTarget()
  const document = Object.assign(new EventTarget(), { visibilityState })
  vi.stubGlobal('window', window)
  vi.stubGlobal('document', document)
  const pageshow = (persisted: boolean) => window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }))
  return { window, document, pageshow }
}

let client: ClientHandle | undefined

afterEach(async () => {
  await client?.cleanup()
  client = undefined
  vi.unstubAllGlobals()
})

describe('listenToPage', () => {
  it('does nothing outside a window', () => {
    const stop = listenToPage({ hint: () => expect.unreachable(), goodbye: () => expect.unreachable(), restored: () => expect.unreachable() })
    stop()
  })

  it('turns page events into handler calls until stopped', () => {
    const page = fakePage()
    const calls: unknown[] = []
    const stop = listenToPage({ hint: (h) => calls.push(h), goodbye: () => calls.push('goodbye'), restored: () => calls.push('restored') })
    page.window.dispatchEvent(new Event('offline'))
    page.window.dispatchEvent(new Event('online'))
    page.document.visibilityState = 'hidden'
    page.document.dispatchEvent(new Event('visibilitychange'))
    page.pageshow(false)
    page.window.dispatchEvent(new Event('pagehide'))
    page.pageshow(true)
    stop()
    page.window.dispatchEvent(new Event('offline'))
    expect(calls).toEqual([{ online: false }, { online: true }, { visible: false }, 'goodbye', 'restored'])
  })

  it('pageState() reads visibility from the document', () => {
    fakePage('hidden')
    expect(pageState()).toMatchObject({ visible: false })
  })
})

describe('the page and the hub', () => {
  it('says hello as hidden, forwards hints, says goodbye on pagehide and takes a new hub after the bfcache', async () => {
    const page = fakePage('hidden')
    client = setupClient()
    const c = client
    await c.until(() => c.realtime.getHealthStatus().epoch === 'epoch-1', 'hello')
    expect((c.hub.callsOf('hello')[0]![0] as TabHello).visible).toBe(false)
    page.document.visibilityState = 'visible'
    page.document.dispatchEvent(new Event('visibilitychange'))
    await c.until(() => c.hub.callsOf('hint').length === 1, 'the hint')
    expect(c.hub.callsOf('hint')).toEqual([[{ visible: true }]])
    page.window.dispatchEvent(new Event('pagehide'))
    await c.until(() => c.hub.callsOf('bye').length === 1, 'the goodbye')
    const next = c.restartHub()
    page.pageshow(true)
    await c.until(() => c.realtime.getHealthStatus().epoch === 'epoch-2', 'the new hub')
    expect(next.callsOf('hello')).toHaveLength(1)
  })
})
