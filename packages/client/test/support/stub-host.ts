/** A ChannelHost stub for SharedChannel tests: records join requests and reported errors. */
import type { ChannelHost } from '../../src/channel.ts'
import type { RealtimeError } from '../../src/errors.ts'

export function stubHost(): ChannelHost & { joined: unknown[]; reported: RealtimeError[] } {
  let n = 0
  const joined: unknown[] = []
  const reported: RealtimeError[] = []
  return {
    joined,
    reported,
    closed: false,
    storage: 'memory',
    newId: () => `id-${++n}`,
    join: async (_channel, request) => void joined.push(request),
    addBindings: async () => {},
    leave: async () => {},
    send: async () => 'ok',
    track: async () => 'ok',
    untrack: async () => 'ok',
    forget: () => {},
    reportError: (error) => void reported.push(error),
  }
}
