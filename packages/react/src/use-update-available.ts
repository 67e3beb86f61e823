import { useEffect, useState } from 'react'
import { useRealtimeContext } from './context.ts'

/**
 * Null until a newer deploy of the app runs in another tab of this browser, then `{ protocol }`: show
 * a "reload to update" prompt. Never set on a server.
 * @example
 * const update = useUpdateAvailable()
 * return update && <button onClick={() => location.reload()}>A new version is available: reload</button>
 */
export function useUpdateAvailable(): { protocol: number } | null {
  const { client } = useRealtimeContext('useUpdateAvailable()')
  const [update, setUpdate] = useState<{ protocol: number } | null>(null)
  useEffect(() => client.onUpdateAvailable?.((info) => setUpdate(info)), [client])
  return update
}
