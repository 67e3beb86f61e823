/**
 * The entry of `@shared-realtime/worker/protocol`, what the tab client imports (no side effects, named
 * exports only). The first block is this folder: the tab ⇄ hub wire types and their constants. The
 * second is the few pure helpers the tab shares with the hub, re-exported from the modules that use
 * them. Nothing inside packages/worker imports this file (it would only make cycles).
 */
export {
  REALTIME_ERROR_CODES,
  errorPayload,
  type RealtimeErrorCode,
  type RealtimeErrorPayload,
} from './errors.ts'
export {
  HUB_WORKER_NAME,
  LISTEN_TYPES,
  MAX_RESUME_IDS,
  MESSAGE_ID_FIELD,
  PROTOCOL_VERSION,
  SUBSCRIBE_STATUSES,
  type BindingSpec,
  type BroadcastMessage,
  type ChannelConfig,
  type ControlCommand,
  type EnvironmentHint,
  type HelloReply,
  type HubPortApi,
  type ListenType,
  type PostgresChangesFilterSpec,
  type ProjectRef,
  type Result,
  type ResumeHint,
  type SendOptions,
  type SendStatus,
  type SubscribeRequest,
  type SubscribeStatus,
  type TabEvent,
  type TabHello,
} from './wire.ts'
export { DEFAULT_HUB_OPTIONS, type HubOptions, type ResolvedHubOptions } from './options.ts'
export {
  CONNECTION_STATUSES,
  type CircuitStatus,
  type ConnectionQuality,
  type ConnectionStatus,
  type HealthSnapshot,
  type OutboxHealth,
  type OutboxStorage,
  type HubMode,
} from './health.ts'
export type { Alert, AlertMetric, AlertRule, ChannelMetrics, DiagnosticFacts, Finding, Percentiles, PerformanceMetrics, Severity } from './metrics.ts'
export type { DeliveryFrame, DeliveryPort, EncodedPayload } from './delivery-port.ts'
export { hubLifetimeLockName, projectKey, tabLockName } from './names.ts'

// Shared with the tab, living where the hub uses them.
export {
  FILTER_OPERATORS,
  checkPostgresFilter,
  payloadSize,
  validateBinding,
  validateBindings,
  validateBroadcast,
  validateSubscribeRequest,
  validateToken,
  validateTopic,
} from '../input/validate.ts'
export { resolveHubOptions, validateHubOptions } from '../input/hub-options.ts'
export { classifyServerReason, describeReason, type ClassifiedReason, type RetryClass } from '../reasons.ts'
export { decodePayload, encodePayload } from '../channels/payload-codec.ts'
export { percentilesOf } from '../health/percentiles.ts'
export { readJwtClaims } from '../auth/jwt.ts'
// The clock is shared with the tab client (delivery options time through it); no dependencies.
export { systemClock, Timeout, type Clock } from '../clock.ts'
