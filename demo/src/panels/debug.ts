/** The client's own debug panel (packages/client/src/devtools), mounted like any app would. */
import { mountDebugPanel } from '@shared-realtime/client'
import { h, panelHeader } from '../dom.ts'
import type { PanelContext } from '../types.ts'

export function mountDebug(root: HTMLElement, { realtime }: PanelContext): () => void {
  const body = h('div')
  root.append(panelHeader('debug-title', 'Debug panel'), body)
  return mountDebugPanel(body, realtime)
}
