/** The benchmark's Markdown table (ratios first) and its SVG charts, with no chart library. */
import type { CpuSplit, Machine, RunResult } from './types.ts'

const fmt = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '–' : Number.isInteger(n) ? String(n) : n.toFixed(digits))
const delta = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? '–' : `${a - b >= 0 ? '+' : '−'}${fmt(Math.abs(a - b))} ms`)
const ratio = (a: number, b: number) => (b === 0 || Number.isNaN(a) || Number.isNaN(b) ? '–' : `${(a / b).toFixed(2)}×`)

function pairs(all: RunResult[], scenario: RunResult['scenario'] = 'all-visible') {
  const results = all.filter((r) => r.scenario === scenario)
  const tabs = [...new Set(results.map((r) => r.tabs))].sort((a, b) => a - b)
  return tabs.map((n) => ({
    n,
    shared: results.find((r) => r.tabs === n && r.mode === 'shared')!,
    batched: results.find((r) => r.tabs === n && r.mode === 'shared-batched'),
    baseline: results.find((r) => r.tabs === n && r.mode === 'baseline')!,
  }))
}

const splitText = (s: CpuSplit | null) => (s ? `${fmt(s.tabs, 2)} / ${fmt(s.worker, 2)} / ${fmt(s.browser, 2)} / ${fmt(s.other, 2)}` : '–')

/**
 * Where a mode meets the Free plan's quotas, from what was measured at the largest N: sockets per tab
 * (200 concurrent connections) and deliveries per event (100 messages/s).
 */
function freePlanLimits(r: RunResult) {
  const socketsPerTab = r.sockets / r.tabs
  const perEvent = r.deliveriesPerEvent
  return {
    connections: socketsPerTab < 1 ? `one socket for all ${r.tabs} tabs: 200 browsers` : `${Math.ceil(200 / socketsPerTab)} tabs in all`,
    messages: perEvent <= 1.05 ? 'at 100 events/s, whatever N' : `at ${(100 / perEvent).toFixed(1)} events/s with N = ${r.tabs} (100 ÷ N)`,
  }
}

export function renderMarkdown(machine: Machine, results: RunResult[]): string {
  const settings = machine.settings as { fixedRate: number; windowMs: number; heartbeatIntervalMs: number; batchMs?: number; remoteLatencyMs?: number }
  const lines = [
    `# Benchmark: one shared socket vs one supabase-js client per tab`,
    '',
    `${machine.quick ? '**Quick run (smoke check; short windows)** · ' : ''}${machine.date} · ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GiB · Node ${machine.node} · Chromium ${machine.chromium} · ${machine.durationS} s`,
    '',
    `Local server in-process, limits off; fixed rate ${settings.fixedRate} events/s for ${settings.windowMs / 1000} s; heartbeat every ${settings.heartbeatIntervalMs / 1000} s in both modes. Ratios are shared ÷ baseline measured in the same run. *shared* is the library with its defaults; *shared-batched* sets \`deliveryBatchMs: ${settings.batchMs ?? 16}\` (the hub collects up to a frame of events per post to a tab); *baseline* is one supabase-js client per tab. "First event in a new tab" is timed from creating the client in an already loaded tab, so page loading (the same in every mode) is left out; it is measured against the local server as it is (no network at all) and again with every server frame delayed by ${settings.remoteLatencyMs ?? 40} ms, as on a real network.`,
    '',
    '## Ratios (shared ÷ baseline)',
    '',
    `| N | sockets | joins | heartbeats/min | frames per event | bytes per event | browser CPU | latency p50 (difference) | latency p99 | first event in a new tab | same, ${settings.remoteLatencyMs ?? 40} ms server latency | recovery | max sustained rate |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const { n, shared: s, baseline: b } of pairs(results)) {
    lines.push(
      `| ${n} | ${ratio(s.sockets, b.sockets)} | ${ratio(s.joins, b.joins)} | ${ratio(s.heartbeatsPerMinute, b.heartbeatsPerMinute)} | ${ratio(s.framesPerEvent, b.framesPerEvent)} | ${ratio(s.bytesPerEvent, b.bytesPerEvent)} | ${ratio(s.cpuSeconds, b.cpuSeconds)} | ${delta(s.latency.p50, b.latency.p50)} | ${ratio(s.latency.p99, b.latency.p99)} | ${ratio(s.firstEventMs, b.firstEventMs)} | ${ratio(s.firstEventRemoteMs, b.firstEventRemoteMs)} | ${ratio(s.recoveryMs, b.recoveryMs)} | ${ratio(s.maxSustainedRate, b.maxSustainedRate)} |`,
    )
  }
  const batched = pairs(results).filter((p) => p.batched)
  if (batched.length > 0) {
    lines.push('', `## Ratios with \`deliveryBatchMs: ${settings.batchMs ?? 16}\` (shared-batched ÷ baseline)`, '', '| N | browser CPU | latency p50 (difference) | latency p99 | first event in a new tab | max sustained rate |', '|---|---|---|---|---|---|')
    for (const { n, batched: s, baseline: b } of batched) {
      lines.push(`| ${n} | ${ratio(s!.cpuSeconds, b.cpuSeconds)} | ${delta(s!.latency.p50, b.latency.p50)} | ${ratio(s!.latency.p99, b.latency.p99)} | ${ratio(s!.firstEventMs, b.firstEventMs)} | ${ratio(s!.maxSustainedRate, b.maxSustainedRate)} |`)
    }
  }
  const hidden = pairs(results, 'hidden')
  if (hidden.length > 0) {
    lines.push(
      '',
      '## One visible tab, N−1 hidden (shared ÷ baseline)',
      '',
      'Hidden tabs are background tabs of one window whose `document.visibilityState` was checked to be `hidden` before measuring (Chromium driven over the DevTools Protocol: Playwright keeps its own pages visible). Latency is the visible tab\'s; loss counts every tab. CPU split: tabs / worker / browser process / other processes, in CPU seconds over the window.',
      '',
      '| N | browser CPU | visible tab p50 (difference) | visible tab p99 | lost (shared / baseline) | CPU split, shared | CPU split, baseline |',
      '|---|---|---|---|---|---|---|',
    )
    for (const { n, shared: s, baseline: b } of hidden) {
      lines.push(`| ${n} | ${ratio(s.cpuSeconds, b.cpuSeconds)} | ${delta(s.latency.p50, b.latency.p50)} | ${ratio(s.latency.p99, b.latency.p99)} | ${s.latency.loss} / ${b.latency.loss} | ${splitText(s.cpuSplit)} | ${splitText(b.cpuSplit)} |`)
    }
  }
  lines.push('', '## Where the CPU goes, all tabs visible', '', 'CPU seconds over the fixed-rate window: tabs / worker / browser process / other processes (GPU, network service, …).', '', '| N | shared | shared-batched | baseline |', '|---|---|---|---|')
  for (const { n, shared: s, batched: sb, baseline: b } of pairs(results)) lines.push(`| ${n} | ${splitText(s.cpuSplit)} | ${sb ? splitText(sb.cpuSplit) : '–'} | ${splitText(b.cpuSplit)} |`)
  const cold = results.filter((r) => r.scenario === 'cold-start')
  const coldShared = cold.find((r) => r.mode === 'shared')
  const coldBaseline = cold.find((r) => r.mode === 'baseline')
  if (coldShared && coldBaseline) {
    lines.push(
      '',
      '## Cold start: the first tab of a fresh browser profile',
      '',
      `From the start of the page load to the first event (median of ${(machine.settings as { coldStartSamples?: number }).coldStartSamples ?? 3} fresh profiles, events flowing at 200/s). Shared starts the SharedWorker, its socket and its join; baseline opens its socket and joins.`,
      '',
      '| shared | baseline | ratio |',
      '|---|---|---|',
      `| ${fmt(coldShared.firstEventMs)} ms | ${fmt(coldBaseline.firstEventMs)} ms | ${ratio(coldShared.firstEventMs, coldBaseline.firstEventMs)} |`,
    )
  }
  const largest = pairs(results).at(-1)
  if (largest) {
    lines.push(
      '',
      `## Memory at N = ${largest.n}`,
      '',
      '| | shared | baseline |',
      '|---|---|---|',
      `| heap per tab (MB) | ${fmt(largest.shared.tabHeapMb)} | ${fmt(largest.baseline.tabHeapMb)} |`,
      `| worker heap (MB) | ${fmt(largest.shared.workerHeapMb)} | – |`,
    )
  }
  lines.push('', '## Absolute numbers, all tabs visible', '')
  lines.push(
    '| mode | N | sockets | joins | heartbeats/min | frames/event | bytes/event | deliveries/event | p50 ms | p95 ms | p99 ms | lost | max rate/s | max deliveries/s | first event ms | first event, remote ms | recovery ms | CPU s | heap/tab MB | worker heap MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  )
  for (const r of results.filter((row) => row.scenario === 'all-visible')) {
    lines.push(
      `| ${r.mode} | ${r.tabs} | ${r.sockets} | ${r.joins} | ${fmt(r.heartbeatsPerMinute)} | ${fmt(r.framesPerEvent, 2)} | ${fmt(r.bytesPerEvent, 0)} | ${fmt(r.deliveriesPerEvent, 2)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p95)} | ${fmt(r.latency.p99)} | ${r.latency.loss} | ${r.maxSustainedRate} | ${r.maxSustainedRate * r.tabs} | ${fmt(r.firstEventMs)} | ${fmt(r.firstEventRemoteMs)} | ${fmt(r.recoveryMs)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.tabHeapMb)} | ${fmt(r.workerHeapMb)} |`,
    )
  }
  lines.push('', '## Quotas: where each mode meets the Free plan (200 connections, 100 messages/s)', '', '| mode | 200 connections reached with | 100 messages/s reached at an event rate of |', '|---|---|---|')
  for (const r of largest ? [largest.shared, largest.baseline] : []) {
    const limits = freePlanLimits(r)
    lines.push(`| ${r.mode} | ${limits.connections} | ${limits.messages} |`)
  }
  lines.push(
    '',
    'Deliveries count against the events quota once per subscribed socket: with one shared socket an event costs one delivery whatever the number of tabs; with a client per tab it costs N.',
    '',
  )
  return lines.join('\n')
}

function lineChart(title: string, yLabel: string, series: { name: string; color: string; points: [number, number][] }[]): string {
  const W = 560
  const H = 320
  const pad = { l: 56, r: 16, t: 36, b: 44 }
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => Number.isFinite(y))
  const xMax = Math.max(...xs, 1)
  const yMax = Math.max(...ys, 1) * 1.1
  const x = (v: number) => pad.l + (v / xMax) * (W - pad.l - pad.r)
  const y = (v: number) => H - pad.b - (v / yMax) * (H - pad.t - pad.b)
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${title}</text>`,
    ...ticks.map((t) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e7eb"/><text x="${pad.l - 6}" y="${y(t) + 4}" text-anchor="end" fill="#555">${fmt(t, t < 10 ? 1 : 0)}</text>`),
    ...[...new Set(xs)].map((v) => `<text x="${x(v)}" y="${H - pad.b + 16}" text-anchor="middle" fill="#555">${v}</text>`),
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle" fill="#333">tabs (N)</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 14 ${H / 2})">${yLabel}</text>`,
  ]
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]))
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${x(p[0])},${y(p[1])}`).join(' ')}"/>`)
    for (const p of pts) parts.push(`<circle cx="${x(p[0])}" cy="${y(p[1])}" r="3" fill="${s.color}"/>`)
    const step = (W - pad.l - pad.r) / series.length
    parts.push(`<rect x="${pad.l + 8 + i * step}" y="${pad.t - 4}" width="10" height="10" fill="${s.color}"/><text x="${pad.l + 22 + i * step}" y="${pad.t + 5}" font-size="11">${s.name}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n')
}

export function renderCharts(results: RunResult[]): Record<string, string> {
  const of = (mode: string, pick: (r: RunResult) => number) =>
    results.filter((r) => r.mode === mode && r.scenario === 'all-visible').map((r) => [r.tabs, pick(r)] as [number, number])
  const blue = '#2563eb'
  const orange = '#ea580c'
  const green = '#16a34a'
  return {
    'latency.svg': lineChart('Delivery latency at 200 events/s', 'ms', [
      { name: 'shared p50', color: blue, points: of('shared', (r) => r.latency.p50) },
      { name: 'shared p99', color: '#93c5fd', points: of('shared', (r) => r.latency.p99) },
      { name: 'batched p50', color: green, points: of('shared-batched', (r) => r.latency.p50) },
      { name: 'baseline p50', color: orange, points: of('baseline', (r) => r.latency.p50) },
      { name: 'baseline p99', color: '#fdba74', points: of('baseline', (r) => r.latency.p99) },
    ]),
    'sockets.svg': lineChart('Sockets at the server', 'sockets', [
      { name: 'shared', color: blue, points: of('shared', (r) => r.sockets) },
      { name: 'baseline', color: orange, points: of('baseline', (r) => r.sockets) },
    ]),
    'cpu.svg': lineChart('Browser CPU during the fixed-rate window', 'CPU seconds', [
      { name: 'shared', color: blue, points: of('shared', (r) => r.cpuSeconds) },
      { name: 'shared-batched', color: green, points: of('shared-batched', (r) => r.cpuSeconds) },
      { name: 'baseline', color: orange, points: of('baseline', (r) => r.cpuSeconds) },
    ]),
  }
}
