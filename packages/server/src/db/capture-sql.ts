/**
 * SQL that emulates logical replication of the `supabase_realtime` publication inside PGlite, which
 * has no wal2json or replication slots (realtime-protocol.md §8.3).
 *
 * - `realtime_local.capture()` is an AFTER row trigger. It writes one row per change into
 *   `realtime_local.change_queue` (inside the writing transaction, so a rollback discards it) and
 *   sends an empty `NOTIFY realtime_local_changes`, which Postgres delivers only after COMMIT.
 *   The payload of NOTIFY is limited to 8000 bytes, so rows travel through the table, not the
 *   notification; the reader fetches `id > last` in id order (= commit order: PGlite has one session).
 * - `realtime_local.sync_capture_triggers()` puts the trigger on exactly the tables of the
 *   publication (with the publication's insert/update/delete flags) and removes it elsewhere.
 *   An event trigger runs it after every CREATE TABLE / ALTER|CREATE|DROP PUBLICATION, so
 *   `ALTER PUBLICATION supabase_realtime ADD TABLE x` takes effect at once, as on Supabase.
 *
 * Everything is idempotent (`create or replace`, `if not exists`) and runs on every open.
 */

export const INTERNAL_SCHEMA = 'realtime_local'
export const CHANGES_CHANNEL = 'realtime_local_changes'
export const PUBLICATION = 'supabase_realtime'
export const CAPTURE_TRIGGER = 'realtime_local_capture'

export const BOOTSTRAP_SQL = /* sql */ `
create schema if not exists realtime_local;

create table if not exists realtime_local.schema_migrations (
  name text primary key,
  applied_at timestamptz not null default now()
);

create table if not exists realtime_local.system_migrations (
  name text primary key,
  applied_at timestamptz not null default now()
);

create unlogged table if not exists realtime_local.change_queue (
  id bigint generated always as identity primary key,
  txid xid8 not null default pg_current_xact_id(),
  schema_name text not null,
  table_name text not null,
  op text not null,
  commit_ts timestamptz not null default now(),
  columns json not null,
  record json,
  old_record json,
  has_pk boolean not null
);

do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end $$;

do $$
declare r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      execute format('create role %I nologin', r);
    end if;
  end loop;
exception when others then
  null; -- roles are a convenience for SQL written for Supabase (grant ... to anon); not required
end $$;

create or replace function realtime_local.capture() returns trigger
language plpgsql as $$
declare
  cols json;
  replident "char";
  ident_cols text[];
  old_full json;
  old_out json;
  new_out json;
  pk_exists boolean;
begin
  select json_agg(json_build_object('name', a.attname, 'type', t.typname) order by a.attnum)
    into cols
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_type t on t.oid = a.atttypid
   where a.attrelid = TG_RELID and a.attnum > 0 and not a.attisdropped;

  select c.relreplident into replident from pg_catalog.pg_class c where c.oid = TG_RELID;
  pk_exists := exists (select 1 from pg_catalog.pg_index i where i.indrelid = TG_RELID and i.indisprimary);

  if TG_OP <> 'DELETE' then
    new_out := row_to_json(NEW);
  end if;

  if TG_OP <> 'INSERT' then
    old_full := row_to_json(OLD);
    if replident = 'f' then
      old_out := old_full;
    elsif replident = 'n' then
      old_out := '{}'::json;
    else
      -- 'd': the primary key, 'i': the REPLICA IDENTITY USING INDEX columns (what wal2json sends)
      select array_agg(a.attname order by k.ord)
        into ident_cols
        from pg_catalog.pg_index i
        cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
        join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
       where i.indrelid = TG_RELID
         and case when replident = 'i' then i.indisreplident else i.indisprimary end;
      if ident_cols is null then
        old_out := '{}'::json;
      else
        select json_object_agg(k.name, old_full -> k.name order by k.ord)
          into old_out
          from unnest(ident_cols) with ordinality as k(name, ord);
      end if;
    end if;
  end if;

  insert into realtime_local.change_queue (schema_name, table_name, op, columns, record, old_record, has_pk)
  values (TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, cols, new_out, old_out, pk_exists);
  perform pg_notify('realtime_local_changes', '');
  return null;
end $$;

create or replace function realtime_local.sync_capture_triggers() returns void
language plpgsql as $$
declare
  pub record;
  wanted int := 1; -- TRIGGER_TYPE_ROW; AFTER is the absence of the BEFORE bit
  events text;
  r record;
begin
  select * into pub from pg_catalog.pg_publication where pubname = 'supabase_realtime';
  if found then
    events := concat_ws(' or ',
      case when pub.pubinsert then 'insert' end,
      case when pub.pubupdate then 'update' end,
      case when pub.pubdelete then 'delete' end);
    wanted := wanted
      + case when pub.pubinsert then 4 else 0 end
      + case when pub.pubdelete then 8 else 0 end
      + case when pub.pubupdate then 16 else 0 end;
  end if;

  -- Remove the trigger where the table left the publication or the published actions changed.
  for r in
    select t.tgrelid, t.tgtype
      from pg_catalog.pg_trigger t
     where t.tgname = 'realtime_local_capture'
  loop
    if events is null or events = '' or r.tgtype <> wanted or not exists (
      select 1 from pg_catalog.pg_publication_tables p
       where p.pubname = 'supabase_realtime'
         and format('%I.%I', p.schemaname, p.tablename)::regclass = r.tgrelid
    ) then
      execute format('drop trigger realtime_local_capture on %s', r.tgrelid::regclass);
    end if;
  end loop;

  if events is null or events = '' then
    return;
  end if;

  for r in
    select format('%I.%I', p.schemaname, p.tablename)::regclass as rel
      from pg_catalog.pg_publication_tables p
     where p.pubname = 'supabase_realtime' and p.schemaname <> 'realtime_local'
  loop
    if not exists (
      select 1 from pg_catalog.pg_trigger t where t.tgrelid = r.rel and t.tgname = 'realtime_local_capture'
    ) then
      execute format(
        'create trigger realtime_local_capture after %s on %s for each row execute function realtime_local.capture()',
        events, r.rel);
    end if;
  end loop;
end $$;

-- Used by the REST API: \`.single()\` on a mutation must fail (and roll back) unless it hit one row.
create or replace function realtime_local.pgrst_single(n bigint) returns bigint
language plpgsql as $$
begin
  if n <> 1 then
    raise exception 'PGRST116:%', n;
  end if;
  return n;
end $$;

create or replace function realtime_local.on_ddl_command_end() returns event_trigger
language plpgsql as $$
begin
  perform realtime_local.sync_capture_triggers();
end $$;

drop event trigger if exists realtime_local_sync;
create event trigger realtime_local_sync on ddl_command_end
  when tag in ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE',
               'CREATE PUBLICATION', 'ALTER PUBLICATION', 'DROP PUBLICATION')
  execute function realtime_local.on_ddl_command_end();

select realtime_local.sync_capture_triggers();
`
