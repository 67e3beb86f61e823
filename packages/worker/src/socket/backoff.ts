import type { Random } from '../clock.ts'

export interface BackoffPolicy {
  initialMs: number
  maxMs: number
  multiplier: number
}

/** The ceiling of attempt `attempt` (1-based): initialMs × multiplier^(attempt−1), capped at maxMs. */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, attempt - 1)
  return Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent)
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, ceiling). Many tabs and browsers that
 * lost the same server spread their retries instead of arriving in lockstep.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: Random): number {
  return Math.floor(random() * backoffCeiling(attempt, policy))
}

/** After a rate-limit refusal the next attempt waits at least maxMs, jittered up to twice that. */
export function rateLimitDelay(policy: BackoffPolicy, random: Random): number {
  return Math.floor(policy.maxMs * (1 + random()))
}
