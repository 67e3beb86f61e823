import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseCliArgs } from '../src/cli-args.ts'
import { LOCAL_ANON_KEY, LOCAL_SERVICE_ROLE_KEY } from '../src/index.ts'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

/** Runs the CLI with tsx loaded in the same node process (so signals reach it directly). */
function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async waitFor(text: string, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs
      while (!stdout.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in output: ${stdout}\n${stderr}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
  }
}

describe('parseCliArgs', () => {
  it('has the documented defaults', () => {
    expect(parseCliArgs([])).toEqual({
      kind: 'start',
      options: {
        port: 54321,
        host: '127.0.0.1',
        jwtSecret: undefined,
        dataDir: undefined,
        limits: {},
        idleTimeoutMs: undefined,
        connectErrorDelayMs: undefined,
        channelErrorDelayMs: undefined,
        quiet: false,
      },
    })
  })

  it('reads every flag', () => {
    const command = parseCliArgs([
      '--port', '0', '--host', '::1', '--jwt-secret', 's'.repeat(32), '--data-dir', '/tmp/x',
      '--max-events-per-second', '5', '--max-concurrent-users', '2', '--max-joins-per-second', '3',
      '--max-channels-per-client', '4', '--max-presence-events-per-second', '6', '--max-payload-size-kb', '7',
      '--max-presence-calls-per-30s', '8', '--limit-window-ms', '1000', '--idle-timeout-ms', '500',
      '--connect-error-delay-ms', '0', '--channel-error-delay-ms', '0', '--quiet',
    ])
    expect(command).toEqual({
      kind: 'start',
      options: {
        port: 0,
        host: '::1',
        jwtSecret: 's'.repeat(32),
        dataDir: '/tmp/x',
        limits: {
          maxEventsPerSecond: 5,
          maxConcurrentUsers: 2,
          maxJoinsPerSecond: 3,
          maxChannelsPerClient: 4,
          maxPresenceEventsPerSecond: 6,
          maxPayloadSizeKb: 7,
          maxPresenceCallsPer30s: 8,
          windowMs: 1000,
        },
        idleTimeoutMs: 500,
        connectErrorDelayMs: 0,
        channelErrorDelayMs: 0,
        quiet: true,
      },
    })
    expect(parseCliArgs(['--no-limits'])).toMatchObject({ kind: 'start', options: { limits: false } })
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' })
  })

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc'], /--port takes an integer from 0 to 65535, got "abc"/],
    [['--port', '70000'], /--port takes an integer/],
    [['--max-events-per-second', '0'], /--max-events-per-second: limit "maxEventsPerSecond" must be a positive number/],
    [['--jwt-secret', 'short'], /--jwt-secret must be at least 32 characters/],
    [['--no-limits', '--max-events-per-second', '5'], /cannot be combined/],
    [['--idle-timeout-ms=-5'], /--idle-timeout-ms takes an integer from 1/],
    [['--idle-timeout-ms', '-5'], /argument is ambiguous/],
    [['extra'], /positional/i],
  ])('refuses %j with a clear message', (args, message) => {
    const command = parseCliArgs(args)
    expect(command.kind).toBe('error')
    expect((command as { message: string }).message).toMatch(message)
  })
})

describe('npm run server (cli.ts)', () => {
  it('exits 2 with a message on invalid flags', async () => {
    const cli = run(['--port', 'nope'])
    expect(await cli.exited).toBe(2)
    expect(cli.output().stderr).toContain('error: --port takes an integer from 0 to 65535, got "nope"')
  })

  it('prints the URL and keys, serves, and exits 0 on SIGTERM', async () => {
    const cli = run(['--port', '0', '--quiet', '--connect-error-delay-ms', '0'])
    try {
      await cli.waitFor('control API')
      const { stdout } = cli.output()
      expect(stdout).toContain('NOT for production')
      expect(stdout).toContain(`anon key          ${LOCAL_ANON_KEY}`)
      expect(stdout).toContain(`service_role key  ${LOCAL_SERVICE_ROLE_KEY}`)
      const url = /URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]
      expect(url).toBeDefined()
      const stats = await fetch(`${url}/_dev/stats`, { headers: { Authorization: `Bearer ${LOCAL_SERVICE_ROLE_KEY}` } })
      expect(stats.status).toBe(200)
      expect(await stats.json()).toMatchObject({ sockets: 0 })
      cli.child.kill('SIGTERM')
      expect(await cli.exited).toBe(0)
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL')
    }
  })
})
