/**
 * Browsers hide why a handshake failed (every refusal is a 1006 before open). After repeated
 * refusals, one plain HTTP request with the same key tells an invalid key (401/403: retrying cannot
 * help, so stop) from a server that is just down.
 */
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { ProjectRef } from '../protocol/wire.ts'

/** Consecutive refused handshakes after which the key is probed. */
export const PROBE_AFTER_REFUSALS = 2

/** Resolves the error to stop on when the server refuses the key; null when it accepts it or cannot be reached. */
export async function probeApiKey(project: ProjectRef, fetchFn: typeof fetch = fetch): Promise<RealtimeErrorPayload | null> {
  const url = project.realtimeUrl.replace(/^ws/, 'http').replace(/\/$/, '') + '/api/broadcast'
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { apikey: project.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [] }),
    })
    if (response.status !== 401 && response.status !== 403) return null
    return errorPayload('unauthorized', `the server refused the API key (HTTP ${response.status}); check the key, then call reconnect()`)
  } catch {
    // Unreachable: a transient failure, keep backing off.
    return null
  }
}
