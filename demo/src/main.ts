import { createClient } from '@supabase/supabase-js'
import { connectToInPageHub, createSharedRealtime } from '@shared-realtime/client'
import { readConfig } from './config.ts'
import { mountConnectionIndicator } from './connection-indicator.ts'
import { createDevApi } from './dev-api.ts'
import { tabName } from './tab-name.ts'
import { mountOrders } from './panels/orders.ts'
import { mountStock } from './panels/stock.ts'
import { mountChat } from './panels/chat.ts'
import { mountDriver } from './panels/driver.ts'
import { mountOutage } from './panels/outage.ts'
import { mountKitchen } from './panels/kitchen.ts'
import { mountDebug } from './panels/debug.ts'
import type { PanelContext } from './types.ts'

const config = readConfig()

// The app's ordinary supabase-js client (REST, auth); realtime goes through the shared socket.
const supabase = createClient(config.supabaseUrl, config.anonKey)
const announceProtocol = config.announceProtocol
const realtime = createSharedRealtime(config.supabaseUrl, config.anonKey, {
  ...config.options,
  ...(announceProtocol === null ? {} : { endpoint: () => connectToInPageHub({ announceProtocol }) }),
})

// For the browser console, and for the end-to-end tests (typed in globals.d.ts).
window.realtime = realtime
window.supabase = supabase
window.createClient = createClient
window.createSharedRealtime = createSharedRealtime
window.demoConfig = config

const byId = (id: string) => document.getElementById(id)!
const app = byId('app')

if (config.manual) {
  // Manual mode (tests, console experiments): the client exists, but no panel subscribes anything.
  mountConnectionIndicator(byId('connection'), realtime)
  app.replaceChildren()
  app.hidden = true
  byId('open-tab').hidden = true
} else {
  const devApi = createDevApi(config.supabaseUrl)
  const name = tabName()
  const context: PanelContext = { realtime, supabase, name }
  document.title = `${name} · shared-realtime demo`
  mountConnectionIndicator(byId('connection'), realtime, devApi)
  mountOrders(byId('orders'), context)
  mountStock(byId('stock'), context)
  mountChat(byId('chat'), context)
  mountDriver(byId('driver'), context)
  mountOutage(byId('outage'), context, devApi)
  mountKitchen(byId('kitchen'), context, devApi)
  mountDebug(byId('debug'), context)
  // Same URL, so the new tab gets the same server and intervals, and joins the same socket.
  byId('open-tab').addEventListener('click', () => window.open(location.href, '_blank', 'noopener'))
}
