import { usePresence, usePresenceState } from '@shared-realtime/react'

/** Who is here: one entry per browser (the hub merges this browser's tabs into one presence). */
export function PresenceList({ channel, name }: { channel: string; name: string }) {
  usePresence(channel, { name })
  const state = usePresenceState<{ name: string }>(channel)
  const people = Object.entries(state).flatMap(([key, metas]) => metas.slice(-1).map((meta) => ({ key, name: meta.name })))
  return (
    <section aria-label="online">
      <h2>Online ({people.length})</h2>
      <ul data-testid="presence">
        {people.map((p) => (
          <li key={p.key}>{p.name}</li>
        ))}
      </ul>
    </section>
  )
}
