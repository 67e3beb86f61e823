// shareRealtime() takes the client that supabase-js's createClient() returns, as it is typed.
import { createClient } from '@supabase/supabase-js'
import { shareRealtime, type SharedRealtime } from '@shared-realtime/client'

export const shared: SharedRealtime = shareRealtime(createClient('http://127.0.0.1:54321', 'anon'), { timeoutMs: 5_000 })
