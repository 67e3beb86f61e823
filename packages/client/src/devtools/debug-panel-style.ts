/**
 * The debug panel's CSS: one <style> element shared by every mounted panel, removed with the last
 * one. Every selector starts with the `srdp-` prefix so the panel neither leaks into nor inherits
 * from the host app's class names.
 */
export const PREFIX = 'srdp'

const CSS = `
.srdp { --srdp-fg: #1b1f24; --srdp-muted: #5b6470; --srdp-line: #e3e6ea; --srdp-ok: #1f9d55; --srdp-warn: #b7791f; --srdp-bad: #c53030;
  font: 13px/1.4 system-ui, sans-serif; color: var(--srdp-fg); display: grid; gap: 0.6rem; min-width: 0; }
.srdp h3 { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--srdp-muted); margin: 0.2rem 0 0.1rem; }
.srdp-head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.srdp-state { font-weight: 600; padding: 0.1rem 0.55rem; border-radius: 999px; background: #edf0f3; }
.srdp-state[data-status='connected'] { background: #e3f5eb; color: #146c3b; }
.srdp-state[data-status='connecting'], .srdp-state[data-status='reconnecting'], .srdp-state[data-status='paused'] { background: #fdf3dc; color: #8a5a00; }
.srdp-state[data-status='circuit-open'], .srdp-state[data-status='offline'], .srdp-state[data-status='closed'] { background: #fde8e8; color: #9b1c1c; }
.srdp-quality { color: var(--srdp-muted); }
.srdp-reason { color: var(--srdp-muted); font-size: 0.8rem; overflow-wrap: anywhere; }
.srdp-latency { display: flex; align-items: center; gap: 0.6rem; }
.srdp-spark { flex: 1 1 auto; min-width: 0; height: 28px; background: #f6f7f9; border-radius: 4px; }
.srdp-spark path { fill: none; stroke: #2b6cb0; stroke-width: 1.5; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.srdp-latency-value { font-variant-numeric: tabular-nums; min-width: 4.5em; text-align: right; }
.srdp-stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: 0.35rem 0.75rem; margin: 0; }
.srdp-stats div { display: flex; justify-content: space-between; gap: 0.4rem; border-bottom: 1px dotted var(--srdp-line); }
.srdp-stats dt { color: var(--srdp-muted); }
.srdp-stats dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
.srdp-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.2rem; }
.srdp-list li { display: flex; justify-content: space-between; gap: 0.5rem; min-width: 0; }
.srdp-list code { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.srdp-empty { color: var(--srdp-muted); font-style: italic; }
.srdp-chan-state[data-state='joined'] { color: var(--srdp-ok); }
.srdp-chan-state[data-state='joining'], .srdp-chan-state[data-state='leaving'] { color: var(--srdp-warn); }
.srdp-chan-state[data-state='errored'], .srdp-chan-state[data-state='closed'] { color: var(--srdp-bad); }
.srdp-errors li { display: block; color: var(--srdp-bad); overflow-wrap: anywhere; }
.srdp-errors li.srdp-empty { color: var(--srdp-muted); }
.srdp-errors time { color: var(--srdp-muted); margin-right: 0.4rem; font-variant-numeric: tabular-nums; }
.srdp-actions { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.srdp-actions button { font: inherit; padding: 0.35rem 0.75rem; border: 1px solid #c7ccd1; border-radius: 6px; background: #fff; color: inherit; cursor: pointer; min-height: 2rem; }
.srdp-actions button:hover:not(:disabled) { background: #f0f3f6; }
.srdp-actions button:focus-visible { outline: 2px solid #2b6cb0; outline-offset: 2px; }
.srdp-actions button:disabled { opacity: 0.5; cursor: default; }
.srdp-action-error { color: var(--srdp-bad); font-size: 0.8rem; min-height: 1em; margin: 0; }
`

let style: HTMLStyleElement | null = null
let users = 0

/** Adds the stylesheet on first use; the returned function removes it after the last user. */
export function useDebugPanelStyle(doc: Document): () => void {
  users++
  if (!style || !style.isConnected) {
    style = doc.createElement('style')
    style.dataset.srdp = ''
    style.textContent = CSS
    doc.head.append(style)
  }
  let released = false
  return () => {
    if (released) return
    released = true
    if (--users === 0) {
      style?.remove()
      style = null
    }
  }
}
