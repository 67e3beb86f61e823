-- What an app's own migrations expect from a Supabase database: the API roles, their grants and
-- the `auth` helpers that read the request's JWT claims. Our own wording of Supabase's behaviour.

-- The roles exist already (created on every start, src/db/capture-sql.ts). As on Supabase,
-- service_role bypasses row level security; anon and authenticated do not.
alter role service_role bypassrls;

grant usage on schema public to anon, authenticated, service_role;

-- Supabase grants the API roles everything on the public schema; RLS policies then decide.
grant all on all tables in schema public to anon, authenticated, service_role;
grant all on all sequences in schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

-- The claims of the current request: the whole JWT payload as set by the server
-- (`request.jwt.claims`), or the older one-setting-per-claim form (`request.jwt.claim.<name>`).
create or replace function auth.jwt() returns jsonb
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

-- `sub` of the current request as a uuid (null when there is none), as on Supabase.
create or replace function auth.uid() returns uuid
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
  )::text
$$;

create or replace function auth.email() returns text
language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'
  )::text
$$;

grant execute on all functions in schema auth to anon, authenticated, service_role;
