/**
 * The tab's end of the delivery port (protocol/delivery.ts): the hub pushes batches of this tab's
 * events on a plain MessagePort, outside Comlink, and asks for an acknowledgement now and then so it
 * can tell a stalled tab. The other end is transferred to the hub at hello.
 */
import type { DeliveryFrame, TabEvent } from '@shared-realtime/worker/protocol'

export interface TabDeliveryPort {
  /** This tab's end: frames arrive here. */
  readonly local: MessagePort
  /** The end to transfer to the hub at hello. */
  readonly remote: MessagePort
  close(): void
}

/**
 * @example
 * const port = openDeliveryPort((frame) => demux(frame))
 * remote.hello(hello, Comlink.transfer(port.remote, [port.remote]))
 */
export function openDeliveryPort(onFrame: (frame: DeliveryFrame<TabEvent>) => void): TabDeliveryPort {
  const channel = new MessageChannel()
  channel.port1.onmessage = (event: MessageEvent<DeliveryFrame<TabEvent>>) => {
    const frame = event.data
    onFrame(frame)
    // Acknowledged after the frame was handled, so a tab busy in its callbacks reads as slow.
    if (frame.ack) channel.port1.postMessage(frame.seq)
  }
  return {
    local: channel.port1,
    remote: channel.port2,
    close: () => channel.port1.close(),
  }
}
