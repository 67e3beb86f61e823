import { randomUUID } from 'node:crypto'
import { createJwtVerifier, createServer, type RealtimeServer } from '../../src/index.ts'
import type { TestServer } from './setup.ts'

/** The whole server with its embedded database (PGlite): one per test file, it takes seconds to start. */
export interface RealServer extends RealtimeServer, Pick<TestServer, 'wsUrl'> {
  /** `POST /_dev/sql` with the service_role key. */
  sql(query: string, params?: unknown[]): Promise<{ status: number; body: any }>
}

export async function startRealServer(): Promise<RealServer> {
  const started = await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
  return Object.assign(started, {
    wsUrl: started.url.replace(/^http/, 'ws'),
    async sql(query: string, params?: unknown[]) {
      const response = await fetch(`${started.url}/_dev/sql`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${started.serviceRoleKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ query, params }),
      })
      return { status: response.status, body: (await response.json()) as any }
    },
  })
}

const verifier = createJwtVerifier()

/** A signed-in user: a uuid `sub` (what `auth.uid()` returns) and its `authenticated` token. */
export async function signIn(): Promise<{ id: string; token: string }> {
  const id = randomUUID()
  return { id, token: await verifier.sign({ role: 'authenticated', sub: id }) }
}

/** A topic name no other test uses. */
export const uniqueTopic = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`

/**
 * Replaces the bundled demo policies of `realtime.messages` with test ones (for `authenticated`):
 * - `open:*` readable by every user, writable by none;
 * - `room:<uid>*` readable and writable by that user only;
 * - `mixed:*` presence readable by every user, broadcasts only on `mixed:<uid>` by that user;
 * - `bonly:*` broadcasts readable by every user, presence not;
 * - `boom:*` a read policy that raises an error; `open:boomw*` a write policy that raises one.
 */
export const TEST_POLICIES_SQL = `
drop policy "demo: staff topics for staff only, other private topics for signed-in users" on realtime.messages;
drop policy "demo: signed-in users write private topics except staff ones" on realtime.messages;
create function public.test_policy_explodes() returns boolean language plpgsql as $$
begin
  raise exception 'policy exploded';
end $$;
create policy "test read" on realtime.messages for select to authenticated using (
  realtime.topic() like 'open:%'
  or realtime.topic() like ('room:' || auth.uid()::text || '%')
  or (realtime.topic() like 'mixed:%' and (extension = 'presence' or realtime.topic() = 'mixed:' || auth.uid()::text))
  or (realtime.topic() like 'bonly:%' and extension = 'broadcast')
  or (realtime.topic() like 'boom:%' and public.test_policy_explodes())
);
create policy "test write" on realtime.messages for insert to authenticated with check (
  realtime.topic() like ('room:' || auth.uid()::text || '%')
  or (realtime.topic() like 'open:boomw%' and public.test_policy_explodes())
);`
