import type { ConnectionQuality } from '../protocol/health.ts'

/** Connection quality from the last heartbeat round trip. */
export function qualityOf(latencyMs: number | null, connected: boolean): ConnectionQuality {
  if (!connected) return 'offline'
  if (latencyMs === null) return 'good'
  if (latencyMs < 100) return 'excellent'
  if (latencyMs < 300) return 'good'
  if (latencyMs < 1000) return 'fair'
  return 'poor'
}
