import { StrictMode, useEffect } from 'react'
import { createRoot } from 'react-dom/client'
import { createSharedRealtime } from '@shared-realtime/client'
import { SharedRealtimeProvider } from '@shared-realtime/react'
import { App } from './App.tsx'
import { readConfig } from './config.ts'

const config = readConfig()
// One client per tab, made once, outside React: every tab of this origin shares its socket.
const realtime = createSharedRealtime(config.supabaseUrl, config.anonKey)
// For tests and the console.
;(window as unknown as { realtime: typeof realtime }).realtime = realtime

/** Counts effect runs of the root: 2 in a development build shows StrictMode's double mount at work (the e2e test reads it). */
function MountCounter() {
  useEffect(() => {
    const w = window as unknown as { __rootEffects?: number }
    w.__rootEffects = (w.__rootEffects ?? 0) + 1
  }, [])
  return null
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MountCounter />
    <SharedRealtimeProvider client={realtime}>
      <App room={config.room} name={config.name} />
    </SharedRealtimeProvider>
  </StrictMode>,
)
