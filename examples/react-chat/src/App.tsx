import { StatusBadge } from './StatusBadge.tsx'
import { PresenceList } from './PresenceList.tsx'
import { Messages } from './Messages.tsx'

export function App({ room, name }: { room: string; name: string }) {
  const channel = `chat:${room}`
  return (
    <main className="chat">
      <header>
        <h1>
          #{room} <small>as {name}</small>
        </h1>
        <StatusBadge />
      </header>
      <PresenceList channel={channel} name={name} />
      <Messages channel={channel} name={name} />
    </main>
  )
}
