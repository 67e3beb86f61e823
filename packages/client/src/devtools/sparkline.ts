/**
 * A latency sparkline as an SVG path: pure, so the panel only swaps one `d` attribute per tick.
 * `null` samples (no connection) break the line, so an outage shows as a gap instead of a slope.
 *
 * @example
 * sparklinePath([12, 15, null, 40], 120, 24) // → 'M0,… L40,… M120,…'
 */
export function sparklinePath(samples: readonly (number | null)[], width: number, height: number, capacity = samples.length): string {
  if (samples.length === 0 || capacity < 1) return ''
  // Never scale below 50 ms: a flat 3 ms line should look flat, not like a storm.
  const max = Math.max(50, ...samples.filter((v): v is number => v !== null))
  const step = capacity > 1 ? width / (capacity - 1) : 0
  const offset = capacity - samples.length // newest sample sits at the right edge
  let d = ''
  let drawing = false
  samples.forEach((value, i) => {
    if (value === null) {
      drawing = false
      return
    }
    const x = round((offset + i) * step)
    const y = round(height - 1 - (Math.min(value, max) / max) * (height - 2))
    d += `${drawing ? ' L' : d ? ' M' : 'M'}${x},${y}`
    drawing = true
  })
  return d
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}
