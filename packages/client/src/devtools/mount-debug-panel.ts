/**
 * The entry's `mountDebugPanel`: the panel's code (a few kB most apps never load) is fetched on first
 * use, as its own chunk, so it costs nothing in the client's entry. The panel appears once that chunk
 * has loaded; the returned unmount works before and after.
 */
import { RealtimeError } from '../errors.ts'
import type { SharedRealtime } from '../shared-realtime.ts'

/**
 * Mounts the debug panel inside `element` and returns the unmount function, which removes the panel,
 * its listeners and its timer (and the stylesheet with the last panel).
 *
 * @example
 * import { createSharedRealtime, mountDebugPanel } from '@shared-realtime/client'
 * const realtime = createSharedRealtime(SUPABASE_URL, SUPABASE_ANON_KEY)
 * const unmount = mountDebugPanel(document.getElementById('debug')!, realtime)
 * // later: unmount()
 */
export function mountDebugPanel(element: HTMLElement, realtime: SharedRealtime): () => void {
  let unmount: (() => void) | null = null
  let unmounted = false
  import('./debug-panel.ts').then(
    (panel) => {
      if (!unmounted) unmount = panel.mountDebugPanel(element, realtime)
    },
    (error: unknown) => realtime.reportError(RealtimeError.of('protocol', 'the debug panel could not load its code', false, error)),
  )
  return () => {
    unmounted = true
    unmount?.()
    unmount = null
  }
}
