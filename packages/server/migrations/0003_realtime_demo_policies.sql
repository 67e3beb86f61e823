-- Private channels of the demo: any signed-in user (role `authenticated`) may join, receive and send
-- broadcasts and presence on every private topic. On Supabase, realtime.messages starts with RLS
-- on and no policies (only service_role gets in); an app writes its own, e.g.
--   create policy "members read their room" on realtime.messages for select to authenticated
--     using (realtime.topic() = 'room:' || auth.uid()::text);
-- Policies are OR'ed: to test such policies here, drop these two first.

create policy "demo: authenticated users read every private topic"
  on realtime.messages for select to authenticated using (true);

create policy "demo: authenticated users write every private topic"
  on realtime.messages for insert to authenticated with check (true);
