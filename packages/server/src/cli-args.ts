/**
 * The command line of `npm run server`, parsed with node:util parseArgs into ServerOptions. Pure, so
 * it is tested without starting anything.
 */
import { parseArgs } from 'node:util'
import type { ServerOptions } from './index.ts'
import { checkLimit, DEFAULT_LIMITS, type Limits } from './realtime/limits.ts'

export const LIMIT_FLAGS = {
  'max-concurrent-users': 'maxConcurrentUsers',
  'max-events-per-second': 'maxEventsPerSecond',
  'max-joins-per-second': 'maxJoinsPerSecond',
  'max-channels-per-client': 'maxChannelsPerClient',
  'max-presence-events-per-second': 'maxPresenceEventsPerSecond',
  'max-payload-size-kb': 'maxPayloadSizeKb',
  'max-presence-calls-per-30s': 'maxPresenceCallsPer30s',
  'limit-window-ms': 'windowMs',
} as const satisfies Record<string, keyof Limits>

export const HELP = `Usage: shared-realtime-server [options]   (in this repository: npm run server -- [options])

A local Supabase-Realtime-compatible server on embedded Postgres (PGlite),
for development, tests and benchmarks. NOT a production server.

  --port <n>                          port (default 54321, as the Supabase CLI; 0 = any free port)
  --host <addr>                       address to listen on (default 127.0.0.1)
  --jwt-secret <s>                    JWT secret, ≥ 32 characters (default: the Supabase CLI's local secret)
  --data-dir <dir>                    persist the database in this folder (default: in memory)
  --no-limits                         disable every quota (benchmarks)
${Object.entries(LIMIT_FLAGS)
  .map(([flag, key]) => `  --${flag} <n>`.padEnd(38) + `(default ${DEFAULT_LIMITS[key]})`)
  .join('\n')}
  --idle-timeout-ms <n>               close sockets silent this long (default 60000)
  --connect-error-delay-ms <n>        delay before refusing a handshake (default 2000)
  --channel-error-delay-ms <n>        delay before a join error reply (default 5000)
  --quiet                             no log lines
  --help                              this text`

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'start'; options: ServerOptions & { quiet: boolean } }
  | { kind: 'error'; message: string }

/**
 * @example
 * parseCliArgs(['--port', '0', '--no-limits']) // { kind: 'start', options: { port: 0, limits: false, … } }
 */
export function parseCliArgs(argv: string[]): CliCommand {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
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
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    return { kind: 'error', message: (error as Error).message }
  }
  if (values.help) return { kind: 'help' }

  const problems: string[] = []
  const integer = (flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = values[flag]
    if (raw === undefined) return undefined
    const n = Number(raw)
    if (raw === '' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`--${flag} takes an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got "${String(raw)}"`)
      return undefined
    }
    return n
  }

  const limits: Partial<Limits> = {}
  for (const [flag, key] of Object.entries(LIMIT_FLAGS)) {
    const raw = values[flag]
    if (raw === undefined) continue
    const n = Number(raw)
    const problem = raw === '' ? 'empty value' : checkLimit(key, n)
    if (problem) problems.push(`--${flag}: ${problem}, got "${String(raw)}"`)
    else limits[key] = n
  }
  if (values['no-limits'] && Object.keys(limits).length > 0) problems.push('--no-limits cannot be combined with per-limit flags')
  const secret = values['jwt-secret'] as string | undefined
  if (secret !== undefined && secret.length < 32) problems.push('--jwt-secret must be at least 32 characters')
  const host = values.host as string | undefined
  if (host !== undefined && host.trim() === '') problems.push('--host must not be empty')

  const options = {
    port: integer('port', 0, 65535) ?? 54321,
    host: host ?? '127.0.0.1',
    jwtSecret: secret,
    dataDir: values['data-dir'] as string | undefined,
    limits: values['no-limits'] ? (false as const) : limits,
    idleTimeoutMs: integer('idle-timeout-ms', 1),
    connectErrorDelayMs: integer('connect-error-delay-ms', 0),
    channelErrorDelayMs: integer('channel-error-delay-ms', 0),
    quiet: values.quiet === true,
  }
  if (problems.length > 0) return { kind: 'error', message: problems.join('\n') }
  return { kind: 'start', options }
}
