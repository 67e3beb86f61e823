// Plain Node, no TypeScript loader: imports the server package from its tarball and starts it (the
// consumer apps' Playwright run talks to this server). Also imports the client as server-side
// rendering would: it must not throw, and a client created here stays idle.
import { createServer } from '@shared-realtime/server'
import { createSharedRealtime } from '@shared-realtime/client'

const port = Number(process.argv[2] ?? 0)
const server = await createServer({ port, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })

const ssr = createSharedRealtime(server.url, server.anonKey)
if (ssr.getHealthStatus().status !== 'idle') throw new Error(`SSR client is ${ssr.getHealthStatus().status}, expected idle`)
const refusal = await ssr.getPerformanceMetrics().then(() => null, (error) => error)
if (refusal?.code !== 'unsupported') throw new Error(`SSR client call: expected an unsupported RealtimeError, got ${refusal}`)
await ssr.close()

console.log(`consumer server listening on ${server.url}`)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)))
