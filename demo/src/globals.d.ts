// What the demo page puts on `window` (main.ts), for the browser console and for code that runs inside
// the page in tests and the benchmark (e2e/globals.d.ts adds what those record there).
import type { createClient, SupabaseClient } from '@supabase/supabase-js'
import type { createSharedRealtime, SharedRealtime } from '@shared-realtime/client'
import type { DemoConfig } from './config.ts'

declare global {
  interface Window {
    realtime: SharedRealtime
    supabase: SupabaseClient
    createClient: typeof createClient
    createSharedRealtime: typeof createSharedRealtime
    demoConfig: DemoConfig
  }
}
export {}
