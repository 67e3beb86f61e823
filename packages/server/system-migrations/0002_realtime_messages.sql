-- The `realtime` schema of a Supabase database: `realtime.messages` (authorization of private
-- channels through its RLS policies, and the store of Broadcast from Database), `realtime.topic()`,
-- `realtime.send(...)` and `realtime.broadcast_changes(...)`, with Supabase's signatures.

create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

-- Not partitioned here (Supabase partitions it by day and drops partitions after 72 hours).
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);

create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;

alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

-- The topic being authorized (set by the server around policy checks) or sent to (set by send()).
create or replace function realtime.topic() returns text
language sql stable as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

-- Stores a broadcast for the topic's subscribers; it is delivered after COMMIT (never when the
-- transaction rolls back) with `meta.id`, and kept for replay. The payload gets an `id` key (the
-- message id) unless it has one. A failure (e.g. a payload that is not a JSON object) is a
-- WARNING, not an error: the caller's transaction goes on and nothing is sent.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql as $$
declare
  message_id uuid := gen_random_uuid();
  body jsonb;
begin
  begin
    body := case when payload ? 'id' then payload else jsonb_set(payload, '{id}', to_jsonb(message_id)) end;
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (message_id, body, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end $$;

-- For row triggers: sends {old_record, record, operation, table, schema} as `event_name` to
-- `topic_name` (a private message), e.g.
--   create trigger t after insert or update or delete on orders for each row execute function f();
--   -- where f() performs realtime.broadcast_changes('orders', tg_op, tg_op, tg_table_name,
--   --   tg_table_schema, new, old)
create or replace function realtime.broadcast_changes(
  topic_name text,
  event_name text,
  operation text,
  table_name text,
  table_schema text,
  new record,
  old record,
  level text default 'ROW'
) returns void
language plpgsql as $$
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation not in ('INSERT', 'UPDATE', 'DELETE') then
    raise exception 'Unexpected operation type: %', operation;
  end if;
  perform realtime.send(
    jsonb_build_object('old_record', old, 'record', new, 'operation', operation, 'table', table_name, 'schema', table_schema),
    event_name, topic_name);
exception when others then
  raise exception 'Failed to process the row: %', sqlerrm;
end $$;

grant execute on all functions in schema realtime to anon, authenticated, service_role;
