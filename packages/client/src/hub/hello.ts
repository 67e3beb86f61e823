/**
 * One connection to a hub: the endpoint, its Comlink proxy, and this tab's delivery port, opened by
 * `hello` (which hands the hub the tab's identity, project, options, token state and the delivery
 * port) and let go by `releaseConnection`.
 */
import * as Comlink from 'comlink'
import type { Clock, DeliveryFrame, HelloReply, HubPortApi, TabEvent, TabHello } from '@shared-realtime/worker/protocol'
import type { HubEndpoint } from '../connect.ts'
import { openDeliveryPort, type TabDeliveryPort } from '../delivery/delivery-port.ts'
import { unwrap, withTimeout } from './rpc.ts'

/** Comlink's Remote<> mangles methods that return unions; every hub method already returns a Promise. */
export type HubRemote = HubPortApi & { [Comlink.releaseProxy](): void }

export interface Connection {
  remote: HubRemote
  endpoint: HubEndpoint
  /** Which hub instance answered; a different epoch later means the hub was replaced. */
  epoch: string
  /** The hub's lifetime lock, if it holds one. */
  lock: string | null
  /** This tab's end of the delivery port (protocol/delivery.ts). */
  deliveries: TabDeliveryPort
  /** The snapshot the hub answered with. */
  health: HelloReply['health']
}

export interface HelloOptions {
  clock: Clock
  endpoint: HubEndpoint
  hello: TabHello
  timeoutMs: number
  onFrame(frame: DeliveryFrame<TabEvent>): void
}

/**
 * Says hello on `endpoint`; rejects with a typed error (`timeout`, `worker-load-failed`, or the hub's
 * refusal) and leaves nothing open when the hub does not answer.
 * @example
 * const conn = await sayHello({ clock, endpoint: await connectToHub(), hello, timeoutMs: 10_000, onFrame })
 */
export async function sayHello({ clock, endpoint, hello, timeoutMs, onFrame }: HelloOptions): Promise<Connection> {
  const remote = Comlink.wrap<HubPortApi>(endpoint as Comlink.Endpoint) as unknown as HubRemote
  const deliveries = openDeliveryPort(onFrame)
  try {
    const reply = unwrap(
      await withTimeout(
        clock,
        raceFailure(endpoint, remote.hello(hello, Comlink.transfer(deliveries.remote, [deliveries.remote]))),
        timeoutMs,
        'connecting to the shared worker',
      ),
    )
    return { remote, endpoint, epoch: reply.epoch, lock: reply.lock, deliveries, health: reply.health }
  } catch (error) {
    // No hub answered on this port: close it, or every retry would leave one open.
    deliveries.close()
    endpoint.close?.()
    throw error
  }
}

/** Lets go of a connection: its proxy, its delivery port and the endpoint. */
export function releaseConnection(conn: Connection): void {
  conn.remote[Comlink.releaseProxy]()
  conn.deliveries.close()
  conn.endpoint.close?.()
}

/** A worker script that never loaded answers nothing: fail with its typed error instead of waiting for the timeout. */
function raceFailure<T>(endpoint: HubEndpoint, call: Promise<T>): Promise<T> {
  return endpoint.failed ? Promise.race([call, endpoint.failed]) : call
}
