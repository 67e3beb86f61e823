import { createClient } from '@supabase/supabase-js'
import { createSharedRealtime } from '@shared-realtime/client'
import { readConfig } from './config.ts'
import { mountConnectionIndicator } from './connection-indicator.ts'

const config = readConfig()

// The app's ordinary supabase-js client (REST, auth); realtime goes through the shared socket.
const supabase = createClient(config.supabaseUrl, config.anonKey)
const realtime = createSharedRealtime(config.supabaseUrl, config.anonKey, config.options)

declare global {
  interface Window {
    realtime: typeof realtime
    supabase: typeof supabase
    createClient: typeof createClient
    createSharedRealtime: typeof createSharedRealtime
    demoConfig: typeof config
  }
}
// For the browser console, and for the end-to-end tests.
window.realtime = realtime
window.supabase = supabase
window.createClient = createClient
window.createSharedRealtime = createSharedRealtime
window.demoConfig = config

mountConnectionIndicator(document.getElementById('connection')!, realtime)
