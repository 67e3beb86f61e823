/**
 * Settings from the page URL: `?url=http://127.0.0.1:54321&name=ann`. Defaults to the local server
 * (`npm run server`) and its anon key.
 */
declare const __LOCAL_ANON_KEY__: string

export interface ChatConfig {
  supabaseUrl: string
  anonKey: string
  room: string
  name: string
}

const NAMES = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal']

export function readConfig(search = location.search): ChatConfig {
  const params = new URLSearchParams(search)
  return {
    supabaseUrl: params.get('url') ?? 'http://127.0.0.1:54321',
    anonKey: params.get('key') ?? __LOCAL_ANON_KEY__,
    room: params.get('room') ?? 'lobby',
    name: params.get('name') ?? NAMES[Math.floor(Math.random() * NAMES.length)],
  }
}
