-- Server-internal helpers of the local Realtime server (schema realtime_local), replaced on every
-- start. Each check runs as ONE statement inside a subtransaction that is always rolled back (a
-- private SQLSTATE raised at the end), so the probe rows, `role` and `request.jwt.*` settings never
-- outlive it, even when the single PGlite session is inside a caller's open transaction.
-- PL/pgSQL variables keep their values across that rollback, which carries the result out.

-- Until the end of the (sub)transaction, acts as the request Supabase Realtime checks: the JWT's
-- role, its claims in `request.jwt.claims` (and `.claim.sub` / `.claim.role`), the topic in
-- `realtime.topic`. Call it as the owner, inside a subtransaction that is rolled back.
create or replace function realtime_local.act_as(p_topic text, p_claims jsonb) returns void
language plpgsql as $$
begin
  perform set_config('realtime.topic', coalesce(p_topic, ''), true),
          set_config('request.jwt.claims', p_claims::text, true),
          set_config('request.jwt.claim.sub', coalesce(p_claims ->> 'sub', ''), true),
          set_config('request.jwt.claim.role', coalesce(p_claims ->> 'role', ''), true),
          set_config('request.headers', '{}', true),
          set_config('role', p_claims ->> 'role', true);
end $$;

-- Which of `extensions` ('broadcast', 'presence') the claims may read on `topic`: probe rows are
-- inserted as the owner, then selected back under the JWT's role with the SELECT policies of
-- realtime.messages applying (how Supabase Realtime authorizes a private channel's join).
-- Errors (unknown role, a policy that raises) propagate to the caller.
create or replace function realtime_local.authorize_read(p_topic text, p_claims jsonb, p_extensions text[])
returns text[]
language plpgsql as $$
declare
  probe_ids uuid[];
  readable text[] := '{}';
begin
  begin
    with inserted as (
      insert into realtime.messages (topic, extension)
      select p_topic, e from unnest(p_extensions) as e
      returning id
    )
    select array_agg(id) into probe_ids from inserted;
    perform realtime_local.act_as(p_topic, p_claims);
    select coalesce(array_agg(m.extension order by m.extension), '{}') into readable
      from realtime.messages m where m.id = any(probe_ids);
    raise exception using errcode = 'RLCHK';
  exception when sqlstate 'RLCHK' then
    null;
  end;
  return readable;
end $$;

-- Which of `extensions` the claims may write (INSERT policies): an insert per extension under the
-- JWT's role; a row-level-security refusal (42501) means "no", any other error propagates.
create or replace function realtime_local.authorize_write(p_topic text, p_claims jsonb, p_extensions text[])
returns text[]
language plpgsql as $$
declare
  ext text;
  writable text[] := '{}';
begin
  begin
    perform realtime_local.act_as(p_topic, p_claims);
    foreach ext in array p_extensions loop
      begin
        insert into realtime.messages (topic, extension) values (p_topic, ext);
        writable := writable || ext;
      exception when insufficient_privilege then
        null;
      end;
    end loop;
    raise exception using errcode = 'RLCHK';
  exception when sqlstate 'RLCHK' then
    null;
  end;
  return writable;
end $$;

-- Who may see one committed row change (postgres_changes), per subscriber claims, as the real
-- server's realtime.apply_rls decides: `unauthorized` when the role may not SELECT the primary key
-- (INSERT/UPDATE), `visible` without RLS or for a DELETE, else whether the row, as it is now, is
-- visible under the role's SELECT policies (`hidden` if not, `error` if a policy raised).
-- Returns {"rls": bool, "pk": [names], "results": [{"status", "columns": [selectable names]}]}.
create or replace function realtime_local.visibility(p_entity regclass, p_action text, p_record jsonb, p_claims jsonb[])
returns jsonb
language plpgsql as $$
declare
  rls boolean := (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = p_entity);
  pk text[] := coalesce((
    select array_agg(a.attname::text order by k.ord)
      from pg_catalog.pg_index i
      cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
      join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
     where i.indrelid = p_entity and i.indisprimary), '{}');
  key jsonb;
  probe text;
  claims jsonb;
  role_name text;
  selectable text[];
  status text;
  seen boolean;
  results jsonb := '[]';
begin
  select coalesce(jsonb_object_agg(k, p_record -> k), '{}') into key from unnest(pk) as k;
  select format('select exists (select 1 from %s t where %s)', p_entity,
                coalesce(string_agg(format('t.%I is not distinct from (jsonb_populate_record(null::%s, $1)).%I', k, p_entity, k), ' and '), 'true'))
    into probe from unnest(pk) as k;
  foreach claims in array p_claims loop
    role_name := claims ->> 'role';
    selectable := '{}';
    if role_name is null or to_regrole(role_name) is null then
      status := 'unauthorized';
    else
      select coalesce(array_agg(a.attname::text order by a.attnum), '{}') into selectable
        from pg_catalog.pg_attribute a
       where a.attrelid = p_entity and a.attnum > 0 and not a.attisdropped
         and has_column_privilege(role_name, p_entity, a.attname, 'SELECT');
      if p_action <> 'DELETE' and not (pk <@ selectable) then
        status := 'unauthorized';
      elsif not rls or p_action = 'DELETE' then
        status := 'visible';
      else
        seen := false;
        begin
          perform realtime_local.act_as(null, claims);
          execute probe into seen using key;
          raise exception using errcode = 'RLCHK';
        exception
          when sqlstate 'RLCHK' then null;
          when others then seen := null;
        end;
        status := case when seen is null then 'error' when seen then 'visible' else 'hidden' end;
      end if;
    end if;
    results := results || jsonb_build_object('status', status, 'columns', to_jsonb(selectable));
  end loop;
  return jsonb_build_object('rls', coalesce(rls, false), 'pk', to_jsonb(pk), 'results', results);
end $$;

-- Broadcast from Database: rows that realtime.send() (or an app) inserts into realtime.messages
-- join the change queue, so they reach subscribers after COMMIT, in commit order, and never when
-- rolled back. Authorization probes (no event, no payload) are not messages.
create or replace function realtime_local.capture_broadcast() returns trigger
language plpgsql security definer set search_path = pg_catalog as $$
begin
  insert into realtime_local.change_queue (schema_name, table_name, op, columns, record, has_pk)
  values ('realtime', 'messages', 'BROADCAST', '[]'::json,
          json_build_object('id', new.id, 'topic', new.topic, 'event', new.event, 'payload', new.payload,
                            'private', new.private, 'inserted_at', new.inserted_at),
          true);
  perform pg_notify('realtime_local_changes', '');
  return null;
end $$;

create or replace trigger realtime_local_broadcast
  after insert on realtime.messages
  for each row
  when (new.extension = 'broadcast' and new.event is not null and new.payload is not null and new.private is not null)
  execute function realtime_local.capture_broadcast();

-- The newest `limit` private broadcast rows of `topic` at or after `since` (ms since the epoch),
-- oldest first (Realtime.Messages.replay), up to one minute in the future. Rows of one transaction
-- share `inserted_at` (now() is the transaction's start); their physical order breaks the tie.
create or replace function realtime_local.replay(p_topic text, p_since_ms bigint, p_limit int)
returns table (id uuid, event text, payload jsonb, inserted_at timestamp)
language sql stable as $$
  select r.id, r.event, r.payload, r.inserted_at from (
    select m.id, m.event, m.payload, m.inserted_at, m.ctid as pos
      from realtime.messages m
     where m.topic = p_topic and m.private is true and m.extension = 'broadcast'
       and m.inserted_at >= (to_timestamp(p_since_ms / 1000.0) at time zone 'UTC')
       and m.inserted_at < (now() at time zone 'UTC') + interval '1 minute'
     order by m.inserted_at desc, m.ctid desc
     limit p_limit
  ) r order by r.inserted_at asc, r.pos asc
$$;
