/** What one benchmark row holds; results.json is an array of these, each naming its scenario. */
import type { Mode } from './harness.ts'

/**
 * all-visible: N visible tabs, all subscribed. hidden: one visible tab and N−1 really hidden ones
 * (background tabs of one window). cold-start: the first tab of a fresh browser profile, from page
 * load to its first event.
 */
export type Scenario = 'all-visible' | 'hidden' | 'cold-start'

/** Browser CPU seconds in the measured window, by what ran: tabs' renderers, the SharedWorker's, the browser process, the rest. */
export interface CpuSplit {
  tabs: number
  worker: number
  browser: number
  other: number
}

export interface RunResult {
  scenario: Scenario
  mode: Mode
  tabs: number
  sockets: number
  joins: number
  heartbeatsPerMinute: number
  framesPerEvent: number
  /** Bytes the server sent per event, over every socket (heartbeats of the window included). */
  bytesPerEvent: number
  deliveriesPerEvent: number
  /** all-visible: every tab; hidden: the visible tab only (loss counts every tab). */
  latency: { p50: number; p95: number; p99: number; loss: number }
  maxSustainedRate: number
  /** Median of 3 new tabs, against the local server as it is (no network latency). cold-start: from page load. */
  firstEventMs: number
  /** The same with every server frame delayed by REMOTE_LATENCY_MS, as on a real network. */
  firstEventRemoteMs: number
  recoveryMs: number
  cpuSeconds: number
  cpuSplit: CpuSplit | null
  tabHeapMb: number
  workerHeapMb: number | null
  /** hidden: the visibility each tab reported, checked before measuring. */
  visibility?: { visible: number; hidden: number }
}

export type Machine = Record<string, unknown> & {
  cpus: number
  cpuModel: string
  memoryGb: number
  node: string
  chromium: string
  date: string
  quick: boolean
  durationS: number
}

/** A field a scenario does not measure (JSON null). */
export const NOT_MEASURED = Number.NaN
