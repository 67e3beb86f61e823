/**
 * Kitchen chat: broadcast messages, a typing indicator and presence on one channel. Names are per
 * tab; presence is per browser (see roster.ts for why both exist).
 */
import { h, panelHeader, timeOf } from '../dom.ts'
import { panelChannel } from '../channel-status.ts'
import { browserLabel } from '../browser-id.ts'
import { setTabName } from '../tab-name.ts'
import { ANNOUNCE_EVERY_MS, createRoster } from './roster.ts'
import type { PanelContext } from '../types.ts'

const MAX_MESSAGES = 50
const TYPING_SEND_EVERY_MS = 1_500
const TYPING_SHOWN_MS = 3_000
/** Typing and roster messages are worthless after an outage: let the outbox expire them. */
const EPHEMERAL_TTL_MS = 2_000

interface ChatMessage {
  id: string
  tabId: string
  name: string
  text: string
  at: number
}

export function mountChat(root: HTMLElement, { realtime, name: initialName }: PanelContext): void {
  const tabId = realtime.tabId
  const browser = browserLabel()
  const roster = createRoster()
  const typing = new Map<string, { name: string; until: number }>()
  const messages: ChatMessage[] = []
  let name = initialName
  let lastTypingSent = 0

  const nameInput = h('input', { id: 'chat-name', class: 'input', value: name, maxlength: 24, autocomplete: 'off' })
  const text = h('input', { id: 'chat-text', class: 'input', placeholder: 'Message the kitchen…', maxlength: 280, autocomplete: 'off' })
  const send = h('button', { type: 'submit', class: 'button primary' }, 'Send')
  const form = h('form', { class: 'chat-form' }, h('label', { class: 'visually-hidden', for: 'chat-text' }, 'Message'), text, send)
  const log = h('ol', { class: 'chat-log', 'data-list': 'messages', 'aria-live': 'polite' })
  const typingLine = h('p', { class: 'typing', 'data-field': 'typing' })
  const rosterList = h('ul', { class: 'chips', 'data-list': 'roster', 'aria-label': 'Tabs in the chat' })
  const presenceLine = h('p', { class: 'note', 'data-field': 'presence' })
  const note = h('p', { class: 'note', role: 'status' })

  const announce = (reply = false) => void live.current()?.send({ type: 'broadcast', event: 'hello', payload: { tabId, name, reply } }, { ttlMs: EPHEMERAL_TTL_MS }).catch(() => {})

  const live = panelChannel(
    realtime,
    () =>
      realtime
        .channel('chat', { config: { broadcast: { self: true } } })
        .on('broadcast', { event: 'message' }, ({ payload }) => receive(payload as ChatMessage))
        .on('broadcast', { event: 'typing' }, ({ payload }) => {
          const from = payload as { tabId: string; name: string }
          if (from.tabId === tabId) return
          typing.set(from.tabId, { name: from.name, until: Date.now() + TYPING_SHOWN_MS })
          renderTyping()
        })
        .on('broadcast', { event: 'hello' }, ({ payload }) => {
          const from = payload as { tabId: string; name: string; reply: boolean }
          if (from.tabId === tabId) return
          // Answer a newcomer so it learns this tab without waiting for the next announcement.
          if (roster.saw(from.tabId, from.name) && !from.reply) announce(true)
          renderRoster()
        })
        .on('broadcast', { event: 'bye' }, ({ payload }) => {
          roster.left((payload as { tabId: string }).tabId)
          renderRoster()
        })
        .on('presence', { event: 'sync' }, () => renderPresence()),
    {
      onStatus: (status, channel) => {
        if (status !== 'SUBSCRIBED') return
        announce()
        // The same payload from every tab of this browser, so a new tab costs no presence push.
        void channel.track({ browser }).catch(() => {})
      },
    },
  )

  root.append(
    panelHeader('chat-title', 'Kitchen chat', live.badge),
    h('div', { class: 'chat-who' }, h('label', { for: 'chat-name' }, 'Your name'), nameInput),
    rosterList,
    presenceLine,
    log,
    typingLine,
    form,
    note,
  )

  function receive(message: ChatMessage): void {
    if (messages.some((m) => m.id === message.id)) return
    messages.push(message)
    if (messages.length > MAX_MESSAGES) messages.shift()
    typing.delete(message.tabId)
    if (message.tabId !== tabId) roster.saw(message.tabId, message.name)
    renderTyping()
    renderRoster()
    log.append(
      h(
        'li',
        { class: message.tabId === tabId ? 'msg mine' : 'msg' },
        h('span', { class: 'msg-name' }, message.name),
        h('span', { class: 'msg-text' }, message.text),
        h('time', {}, timeOf(message.at)),
      ),
    )
    while (log.children.length > MAX_MESSAGES) log.firstElementChild?.remove()
    log.scrollTop = log.scrollHeight
  }

  function renderTyping(): void {
    const now = Date.now()
    for (const [id, entry] of typing) if (entry.until <= now) typing.delete(id)
    const names = [...typing.values()].map((t) => t.name)
    typingLine.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`
  }

  function renderRoster(): void {
    const others = roster.entries()
    rosterList.replaceChildren(
      h('li', { class: 'chip you', 'data-name': name }, `${name} (this tab)`),
      ...others.map((entry) => h('li', { class: 'chip', 'data-name': entry.name }, entry.name)),
    )
  }

  function renderPresence(): void {
    const channel = live.current()
    if (!channel) {
      presenceLine.textContent = 'Presence: not joined'
      return
    }
    const state = channel.presenceState<{ browser?: string }>()
    const browsers = Object.values(state).map((metas) => metas[0]?.browser ?? 'unknown')
    presenceLine.dataset.count = String(browsers.length)
    presenceLine.textContent = browsers.length
      ? `Presence: ${browsers.length} browser${browsers.length === 1 ? '' : 's'} online (${browsers.join(', ')}); its tabs share one entry.`
      : 'Presence: joining…'
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const channel = live.current()
    const value = text.value.trim()
    if (!value || !channel) return
    const message: ChatMessage = { id: crypto.randomUUID(), tabId, name, text: value, at: Date.now() }
    text.value = ''
    note.textContent = ''
    channel.send({ type: 'broadcast', event: 'message', payload: message }).then(
      (status) => {
        if (status === 'queued') note.textContent = 'Offline: the message waits in the outbox and goes out on reconnect.'
        else if (status !== 'ok') note.textContent = `Not sent (${status}).`
      },
      (error: Error) => (note.textContent = `Not sent: ${error.message}`),
    )
  })

  text.addEventListener('input', () => {
    const now = Date.now()
    if (now - lastTypingSent < TYPING_SEND_EVERY_MS || !text.value) return
    lastTypingSent = now
    void live.current()?.send({ type: 'broadcast', event: 'typing', payload: { tabId, name } }, { ttlMs: EPHEMERAL_TTL_MS }).catch(() => {})
  })

  nameInput.addEventListener('change', () => {
    const value = nameInput.value.trim()
    if (!value || value === name) return
    name = value
    setTabName(name)
    renderRoster()
    announce()
  })

  // Best effort: a closing tab says goodbye; the roster's expiry covers the tabs that cannot.
  addEventListener('pagehide', () => void live.current()?.send({ type: 'broadcast', event: 'bye', payload: { tabId } }, { ttlMs: EPHEMERAL_TTL_MS }).catch(() => {}))

  // One slow tick: expires typing and roster entries and re-announces. Presence renders on 'sync',
  // which a tab joining an already joined topic gets too, as with supabase-js.
  let ticks = 0
  renderPresence()
  const tick = () => {
    renderTyping()
    renderRoster()
    if (++ticks % (ANNOUNCE_EVERY_MS / 1_000) === 0) announce()
    setTimeout(tick, 1_000)
  }
  tick()
}
