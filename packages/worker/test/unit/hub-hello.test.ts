/** What the hub answers to calls it cannot serve: typed errors, never a crash or a hung call. */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import * as Comlink from 'comlink'
import { createHub } from '../../src/hub.ts'
import { PROTOCOL_VERSION, type HubPortApi, type TabHello } from '../../src/protocol/wire.ts'

function connect() {
  const hub = createHub({ epoch: 'e1' })
  const { port1, port2 } = new MessageChannel()
  hub.connect(port2 as unknown as Comlink.Endpoint)
  const remote = Comlink.wrap<HubPortApi>(port1 as unknown as Comlink.Endpoint)
  const close = () => {
    remote[Comlink.releaseProxy]()
    port1.close()
    hub.close()
  }
  return { remote, close }
}

const hello = (overrides: Partial<TabHello> = {}): TabHello => ({
  tabId: 't1',
  protocol: PROTOCOL_VERSION,
  project: { realtimeUrl: 'ws://127.0.0.1:1/realtime/v1', apiKey: 'anon' },
  options: {},
  token: null,
  tokenPending: false,
  visible: true,
  online: true,
  ...overrides,
})

describe('hub hello', () => {
  it('refuses a tab of another protocol version, and a tab that brings no delivery port', async () => {
    const { remote, close } = connect()
    try {
      const old = await remote.hello(hello({ protocol: PROTOCOL_VERSION - 1 }), null as never)
      expect(old).toMatchObject({ ok: false, error: { code: 'protocol' } })
      const noPort = await remote.hello(hello(), null as never)
      expect(noPort).toMatchObject({ ok: false, error: { code: 'protocol', message: expect.stringContaining('MessagePort') } })
      // Nothing was registered: other calls still say hello() must come first.
      expect(await remote.health()).toMatchObject({ ok: false, error: { code: 'protocol' } })
    } finally {
      close()
    }
  })

  it('answers a malformed call (which the tab would have refused before sending) with a typed error, and keeps serving', async () => {
    const { remote, close } = connect()
    const deliveries = new MessageChannel()
    try {
      const port = Comlink.transfer(deliveries.port2, [deliveries.port2 as unknown as Transferable])
      expect(await remote.hello(hello(), port as never)).toMatchObject({ ok: true })
      const malformed = await remote.subscribe({ subscriptionId: 's1', topic: 'room', config: {}, bindings: 'not a list' } as never)
      expect(malformed).toMatchObject({ ok: false, error: { code: 'protocol' } })
      expect(await remote.subscribe(null as never)).toMatchObject({ ok: false, error: { code: 'protocol' } })
      expect(await remote.health()).toMatchObject({ ok: true, value: { tabCount: 1 } })
    } finally {
      deliveries.port1.close()
      close()
    }
  })
})
