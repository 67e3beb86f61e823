export { createDelivery, type Delivery, type DeliveryEnvironment } from './delivery.ts'
export { systemClock, type Clock } from '@shared-realtime/worker/protocol'
export {
  DEFAULT_BATCH_OPTIONS,
  pickDeliveryOptions,
  validateDeliveryOptions,
  type BatchOptions,
  type Batched,
  type Unbatched,
  type Delivered,
  type DeliveryOptions,
  type OutputOf,
} from './options.ts'
