import { useEffect, useState, type FormEvent } from 'react'
import { useBroadcast } from '@shared-realtime/react'

interface Message {
  id: string
  from: string
  text: string
}

interface Typing {
  from: string
  at: number
}

/** How long "x is typing…" stays without news. */
const TYPING_SHOWN_MS = 3_000

export function Messages({ channel, name }: { channel: string; name: string }) {
  const [messages, setMessages] = useState<Message[]>([])
  const [typing, setTyping] = useState<Typing | null>(null)
  const [draft, setDraft] = useState('')

  const sendMessage = useBroadcast(channel, 'message', (text: Message) => {
    setMessages((list) => [...list, text])
    setTyping((t) => (t?.from === text.from ? null : t))
  }, { transform: (event) => event.payload as Message })

  // Keystrokes of other users arrive at most once per second (leading and trailing).
  const sendTyping = useBroadcast(channel, 'typing', (from: string) => setTyping({ from, at: Date.now() }), {
    throttleMs: 1_000,
    transform: (event) => String(event.payload?.from),
  })

  useEffect(() => {
    if (!typing) return
    const timer = setTimeout(() => setTyping(null), TYPING_SHOWN_MS)
    return () => clearTimeout(timer)
  }, [typing])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const text = draft.trim()
    if (!text) return
    const message: Message = { id: crypto.randomUUID(), from: name, text }
    // The sender's own tab shows it at once (broadcast self is off: the other tabs get it once each).
    setMessages((list) => [...list, message])
    setDraft('')
    void sendMessage(message)
  }

  return (
    <section aria-label="messages">
      <ol data-testid="messages">
        {messages.map((m) => (
          <li key={m.id}>
            <b>{m.from}</b> {m.text}
          </li>
        ))}
      </ol>
      <p data-testid="typing" className="typing">{typing ? `${typing.from} is typing…` : '\u00a0'}</p>
      <form onSubmit={submit}>
        <input
          aria-label="message"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value)
            void sendTyping({ from: name })
          }}
          placeholder="Say something"
        />
        <button type="submit">Send</button>
      </form>
    </section>
  )
}
