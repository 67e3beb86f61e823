export * from './errors.ts'
export * from './wire.ts'
export * from './options.ts'
export * from './health.ts'
export * from './validate.ts'
export * from './metrics.ts'
export * from './delivery.ts'
// The clock is shared with the tab client (delivery options time through it); no dependencies.
export { systemClock, Timeout, type Clock } from '../clock.ts'
