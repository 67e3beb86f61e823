/**
 * `npm run server`: the local Supabase-Realtime-compatible server. Development, tests and benchmarks
 * only; not for production. The only file that touches process (argv, signals, exit codes).
 */
import { HELP, parseCliArgs } from './cli-args.ts'
import { createServer } from './index.ts'

const command = parseCliArgs(process.argv.slice(2))
if (command.kind === 'help') {
  console.log(HELP)
  process.exit(0)
}
if (command.kind === 'error') {
  console.error(`error: ${command.message}\n\nRun with --help for the options.`)
  process.exit(2)
}

const { quiet, ...options } = command.options
let server: Awaited<ReturnType<typeof createServer>>
try {
  server = await createServer({ ...options, log: quiet ? () => {} : (message) => console.log(`[realtime] ${message}`) })
} catch (error) {
  console.error(`error: could not start the server: ${(error as Error).message}`)
  process.exit(1)
}

console.log(`shared-realtime local server (development only, NOT for production)
  URL               ${server.url}
  Realtime          ${server.url.replace(/^http/, 'ws')}/realtime/v1
  anon key          ${server.anonKey}
  service_role key  ${server.serviceRoleKey}
  database          ${options.dataDir ? `PGlite in ${options.dataDir}` : 'PGlite in memory'}
  limits            ${options.limits === false ? 'off' : 'on'}
  control API       ${server.url}/_dev/stats (Authorization: Bearer <service_role key>)`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: closing sockets and the database…`)
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  })
}
