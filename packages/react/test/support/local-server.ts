/**
 * Starts the local server in a child process for jsdom test files: jsdom tests are transformed for
 * the web (import.meta.url becomes an http URL), which the server's own file lookups cannot use.
 * Port 0: the OS picks a free one.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { TestServer } from '../../../worker/test/support/setup.ts'

const SCRIPT = `
const { createServer } = await import(process.argv[1])
const server = await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
console.log(JSON.stringify({ url: server.url, anonKey: server.anonKey, serviceRoleKey: server.serviceRoleKey }))
process.on('SIGTERM', async () => { await server.close(); process.exit(0) })
`

export async function startLocalServer(): Promise<TestServer> {
  const entry = fileURLToPath(new globalThis.URL('../../../server/src/index.ts', `file://${__filename}`))
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, entry], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`local server exited with ${code}`)))
  })
  const info = JSON.parse(line) as Omit<TestServer, 'close'>
  return {
    ...info,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
