/**
 * One server channel per topic serves every tab: its join is the union of the tabs' configs and
 * bindings. Pure functions over plain data.
 */
import type { BindingSpec, ChannelConfig, PostgresChangesFilterSpec } from '../protocol/wire.ts'

export interface JoinSpec {
  private: boolean
  presenceKey: string
  presenceEnabled: boolean
  postgres: PostgresChangesFilterSpec[]
  replay?: { since: number; limit?: number }
  postgresOptions?: { wait?: boolean; timeout?: number }
}

export interface SubscriptionShape {
  config: ChannelConfig
  bindings: readonly BindingSpec[]
}

export function postgresFilterKey(f: PostgresChangesFilterSpec): string {
  return JSON.stringify([f.event, f.schema, f.table ?? null, f.filter ?? null])
}

/** Merges subscriptions in arrival order. `fallbackPresenceKey` is used when no tab names one. */
export function mergeJoinSpec(subscriptions: Iterable<SubscriptionShape>, fallbackPresenceKey: string): JoinSpec {
  const spec: JoinSpec = { private: false, presenceKey: '', presenceEnabled: false, postgres: [] }
  const seen = new Set<string>()
  for (const { config, bindings } of subscriptions) {
    spec.private ||= config.private === true
    if (!spec.presenceKey && config.presence?.key) spec.presenceKey = config.presence.key
    spec.presenceEnabled ||= config.presence?.enabled === true || bindings.some((b) => b.type === 'presence')
    if (config.broadcast?.replay && !spec.replay) spec.replay = config.broadcast.replay
    const options = config.postgres_changes_options
    if (options) {
      spec.postgresOptions = {
        wait: (spec.postgresOptions?.wait ?? false) || options.wait === true,
        timeout: Math.max(spec.postgresOptions?.timeout ?? 0, options.timeout ?? 0) || undefined,
      }
    }
    for (const binding of bindings) {
      if (binding.type !== 'postgres_changes') continue
      const key = postgresFilterKey(binding.filter)
      if (seen.has(key)) continue
      seen.add(key)
      spec.postgres.push(binding.filter)
    }
  }
  if (!spec.presenceKey) spec.presenceKey = fallbackPresenceKey
  return spec
}

/** Whether a channel joined with `joined` already serves everything `wanted` asks for. */
export function joinCovers(joined: JoinSpec, wanted: JoinSpec): boolean {
  if (joined.private !== wanted.private || joined.presenceKey !== wanted.presenceKey) return false
  if (wanted.presenceEnabled && !joined.presenceEnabled) return false
  if (wanted.replay && !joined.replay) return false
  const have = new Set(joined.postgres.map(postgresFilterKey))
  return wanted.postgres.every((f) => have.has(postgresFilterKey(f)))
}

/** The `config` handed to `client.channel(topic, { config })`. The hub always joins with `ack`, never `self`. */
export function channelConfigOf(spec: JoinSpec) {
  return {
    broadcast: { ack: true, self: false, ...(spec.replay ? { replay: spec.replay } : {}) },
    presence: { key: spec.presenceKey, enabled: spec.presenceEnabled },
    private: spec.private,
    ...(spec.postgresOptions ? { postgres_changes_options: spec.postgresOptions } : {}),
  }
}

/** Which of a subscription's bindings match an event, by supabase-js's own rules. */
export function matchingBindingIds(
  bindings: readonly BindingSpec[],
  type: 'broadcast' | 'presence' | 'system' | 'postgres_changes',
  event: string | undefined,
  postgresKey?: string,
): number[] {
  const ids: number[] = []
  const lower = event?.toLowerCase()
  for (const b of bindings) {
    if (b.type !== type) continue
    if (type === 'system') ids.push(b.id)
    else if (type === 'postgres_changes') {
      if (b.type === 'postgres_changes' && postgresFilterKey(b.filter) === postgresKey) ids.push(b.id)
    } else {
      const want = (b.filter as { event?: string }).event?.toLowerCase()
      if (want === '*' || want === lower) ids.push(b.id)
    }
  }
  return ids
}
