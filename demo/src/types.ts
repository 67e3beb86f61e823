/** Rows of the demo schema (packages/server/migrations/0001_restaurant.sql). */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { SharedRealtime } from '@shared-realtime/client'

export const ORDER_STATUSES = ['new', 'preparing', 'ready', 'delivering', 'delivered', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export interface Order {
  id: number
  customer: string
  items: { product_id: number; qty: number }[]
  total: number | string
  status: OrderStatus
  driver_id: number | null
  created_at: string
}

export interface Product {
  id: number
  name: string
  stock: number
  low_stock_threshold: number
  price: number | string
  updated_at: string
}

/** What every panel gets: the shared socket, the ordinary supabase-js client (REST) and the tab's name. */
export interface PanelContext {
  realtime: SharedRealtime
  supabase: SupabaseClient
  name: string
}
