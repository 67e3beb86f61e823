/**
 * `npm run server`: the local Supabase-Realtime-compatible server. Not for production.
 */
import { parseArgs } from 'node:util'
import { createServer, DEFAULT_LIMITS, type Limits, type ServerOptions } from './index.ts'

const LIMIT_FLAGS: Record<string, keyof Limits> = {
  'max-concurrent-users': 'maxConcurrentUsers',
  'max-events-per-second': 'maxEventsPerSecond',
  'max-joins-per-second': 'maxJoinsPerSecond',
  'max-channels-per-client': 'maxChannelsPerClient',
  'max-payload-kb': 'maxPayloadSizeKb',
  'limit-window-ms': 'windowMs',
}

const HELP = `Usage: npm run server -- [options]

A local Supabase-Realtime-compatible server on embedded Postgres (PGlite),
for development, tests and benchmarks. Not a production server.

  --port <n>                    port (default 54321, as the Supabase CLI)
  --host <addr>                 address to listen on (default 127.0.0.1)
  --jwt-secret <s>              JWT secret (default: the Supabase CLI's local secret)
  --data-dir <dir>              persist the database in this folder (default: in memory)
  --no-limits                   disable every quota (benchmarks)
${Object.entries(LIMIT_FLAGS)
  .map(([flag, key]) => `  --${flag} <n>`.padEnd(32) + `(default ${DEFAULT_LIMITS[key]})`)
  .join('\n')}
  --idle-timeout-ms <n>         close sockets silent this long (default 60000)
  --connect-error-delay-ms <n>  delay before refusing a handshake (default 2000)
  --channel-error-delay-ms <n>  delay before a join error reply (default 5000)
  --quiet                       no per-connection log
  --help                        this text`

function fail(message: string): never {
  console.error(`error: ${message}\n\n${HELP}`)
  process.exit(2)
}

function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) fail(`--${name} takes a non-negative number, got "${value}"`)
  return n
}

let parsed: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'jwt-secret': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-limits': { type: 'boolean' },
      'idle-timeout-ms': { type: 'string' },
      'connect-error-delay-ms': { type: 'string' },
      'channel-error-delay-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
      ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((f) => [f, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  })
}
try {
  parsed = parse()
} catch (error) {
  fail((error as Error).message)
}
const values = parsed.values as Record<string, string | boolean | undefined>
if (values.help) {
  console.log(HELP)
  process.exit(0)
}

const limits: Partial<Limits> = {}
for (const [flag, key] of Object.entries(LIMIT_FLAGS)) {
  const n = numberFlag(flag, values[flag] as string | undefined)
  if (n !== undefined) limits[key] = n
}
const secret = values['jwt-secret'] as string | undefined
if (secret !== undefined && secret.length < 32) fail('--jwt-secret must be at least 32 characters')

const options: ServerOptions = {
  port: numberFlag('port', values.port as string | undefined) ?? 54321,
  host: (values.host as string | undefined) ?? '127.0.0.1',
  jwtSecret: secret,
  dataDir: values['data-dir'] as string | undefined,
  limits: values['no-limits'] ? false : limits,
  idleTimeoutMs: numberFlag('idle-timeout-ms', values['idle-timeout-ms'] as string | undefined),
  connectErrorDelayMs: numberFlag('connect-error-delay-ms', values['connect-error-delay-ms'] as string | undefined),
  channelErrorDelayMs: numberFlag('channel-error-delay-ms', values['channel-error-delay-ms'] as string | undefined),
  log: values.quiet ? () => {} : (message) => console.log(`[realtime] ${message}`),
}

const server = await createServer(options).catch((error: Error) => fail(error.message))
console.log(`shared-realtime local server (development only, not for production)
  URL               ${server.url}
  Realtime          ${server.url.replace(/^http/, 'ws')}/realtime/v1
  anon key          ${server.anonKey}
  service_role key  ${server.serviceRoleKey}
  database          ${options.dataDir ? `PGlite in ${options.dataDir}` : 'PGlite in memory'}
  limits            ${options.limits === false ? 'off' : 'on'}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: closing sockets and the database…`)
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error)
        process.exit(1)
      },
    )
  })
}
