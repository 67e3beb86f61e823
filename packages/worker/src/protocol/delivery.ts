/**
 * Compatibility path only: packages/client and packages/react tests import the delivery types and the
 * payload codec from this file directly. The types live in delivery-port.ts, the codec in
 * channels/payload-codec.ts; delete this file once those tests import `@shared-realtime/worker/protocol`.
 */
export type { DeliveryFrame, DeliveryPort, EncodedPayload } from './delivery-port.ts'
export { decodePayload, encodePayload } from '../channels/payload-codec.ts'
