import type { Percentiles } from '../protocol/metrics.ts'

/** p50/p95/p99 of a sample (nearest rank). */
export function percentilesOf(samples: readonly number[]): Percentiles | null {
  if (samples.length === 0) return null
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), count: sorted.length }
}
