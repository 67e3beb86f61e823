// What the demo page exposes (demo/src/main.ts), for code that runs inside pages.
import type { createClient } from '@supabase/supabase-js'
import type { createSharedRealtime, SharedRealtime } from '@shared-realtime/client'

declare global {
  interface Window {
    realtime: SharedRealtime
    supabase: ReturnType<typeof createClient>
    createClient: typeof createClient
    createSharedRealtime: typeof createSharedRealtime
    demoConfig: { supabaseUrl: string; anonKey: string; options: Record<string, unknown>; manual: boolean }
  }
}
export {}
