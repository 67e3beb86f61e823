-- Private channels of the demo (realtime.messages RLS, as on Supabase):
-- * `staff:*` topics are readable only by users whose JWT carries `"user_role": "staff"` (the demo
--   mints one for its kitchen panel), and no client may write to them: only the database does,
--   through `realtime.broadcast_changes` in the trigger below.
-- * every other private topic may be read and written by any signed-in user (role `authenticated`).
-- On Supabase, realtime.messages starts with RLS on and no policies (only service_role gets in); an
-- app writes its own, e.g.
--   create policy "members read their room" on realtime.messages for select to authenticated
--     using (realtime.topic() = 'room:' || auth.uid()::text);
-- Policies are OR'ed: to test such policies here, drop these two first.

create policy "demo: staff topics for staff only, other private topics for signed-in users"
  on realtime.messages for select to authenticated
  using (realtime.topic() not like 'staff:%' or (auth.jwt() ->> 'user_role') = 'staff');

create policy "demo: signed-in users write private topics except staff ones"
  on realtime.messages for insert to authenticated
  with check (realtime.topic() not like 'staff:%');

-- The kitchen feed: every order insert and update is broadcast from the database to the private
-- topic `staff:orders` (stored in realtime.messages, so a rejoin can replay what it missed).
create function public.orders_staff_broadcast() returns trigger language plpgsql as $$
begin
  perform realtime.broadcast_changes('staff:orders', tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
  return null;
end $$;

create trigger orders_staff_broadcast after insert or update on public.orders
  for each row execute function public.orders_staff_broadcast();
