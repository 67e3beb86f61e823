/**
 * The local server's control API (`/_dev/stats`, `drop`, `refuse`, `sql`, …; packages/server/README.md),
 * as the e2e tests, the benchmark and the chaos soak call it: GET without a body, POST with one.
 */
export type DevApi = <T = any>(path: string, body?: unknown) => Promise<T>

export function createDevApi(serverUrl: string, serviceRoleKey: string): DevApi {
  return async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${serverUrl}/_dev/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${serviceRoleKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`/_dev/${path} → ${response.status} ${text}`)
    return (text ? JSON.parse(text) : null) as T
  }
}
