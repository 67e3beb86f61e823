/**
 * A tiny element builder: the demo has no framework, and text always goes in as text nodes, so a
 * chat message or a customer name can never become markup.
 */
type Attrs = Record<string, string | number | boolean | undefined>

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  setAttrs(node, attrs)
  node.append(...children)
  return node
}

const SVG_NS = 'http://www.w3.org/2000/svg'

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag)
  setAttrs(node, attrs)
  node.append(...children)
  return node
}

function setAttrs(node: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    node.setAttribute(name, value === true ? '' : String(value))
  }
}

/** The panel's heading row: a title and a slot on the right (usually the channel status). */
export function panelHeader(id: string, title: string, ...end: Node[]): HTMLElement {
  return h('div', { class: 'panel-head' }, h('h2', { id }, title), ...end)
}

export function timeOf(date: string | number | Date): string {
  return new Date(date).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}
