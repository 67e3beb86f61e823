/**
 * What the page tells the hub about itself: network and visibility changes (a worker sees neither),
 * a goodbye on pagehide, and a return from the back/forward cache. Returns the function that stops
 * listening; does nothing outside a window.
 */
export interface PageLifecycleHandlers {
  hint(hint: { online?: boolean; visible?: boolean }): void
  /** The page is going away (or into the back/forward cache). */
  goodbye(): void
  /** The page came back from the back/forward cache; the hub dropped it at pagehide. */
  restored(): void
}

export function listenToPage(handlers: PageLifecycleHandlers): () => void {
  if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return () => {}
  const online = () => handlers.hint({ online: true })
  const offline = () => handlers.hint({ online: false })
  const visibility = () => handlers.hint({ visible: document.visibilityState !== 'hidden' })
  const pagehide = () => handlers.goodbye()
  const pageshow = (event: PageTransitionEvent) => {
    if (event.persisted) handlers.restored()
  }
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  window.addEventListener('pagehide', pagehide)
  window.addEventListener('pageshow', pageshow)
  document.addEventListener('visibilitychange', visibility)
  return () => {
    window.removeEventListener('online', online)
    window.removeEventListener('offline', offline)
    window.removeEventListener('pagehide', pagehide)
    window.removeEventListener('pageshow', pageshow)
    document.removeEventListener('visibilitychange', visibility)
  }
}

/** What the page says about itself now: visible unless hidden, online unless the browser says offline. */
export function pageState(): { visible: boolean; online: boolean } {
  return {
    visible: typeof document === 'undefined' ? true : document.visibilityState !== 'hidden',
    online: typeof navigator === 'undefined' || navigator.onLine !== false,
  }
}
