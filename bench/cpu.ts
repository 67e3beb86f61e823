/**
 * Browser CPU by what ran it. Chromium reports CPU per process (SystemInfo.getProcessInfo) but not which
 * renderer hosts the SharedWorker, so we find it: busy-loop half a second inside the worker, and the renderer
 * whose CPU grew by that much is the worker's. Every other renderer is a tab (or an idle spare).
 */
import type { CpuSplit } from './types.ts'

type Send = (method: string, params?: object) => Promise<any>
export type ProcessCpu = Map<number, { type: string; cpu: number }>

export async function processCpu(send: Send): Promise<ProcessCpu> {
  const { processInfo } = (await send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number; cpuTime: number }[] }
  return new Map(processInfo.map((p) => [p.id, { type: p.type, cpu: p.cpuTime }]))
}

/** Runs `burn` (500 ms of work in the worker) and returns the pid of the renderer that did it, or null. */
export async function findWorkerPid(send: Send, burn: () => Promise<unknown>): Promise<number | null> {
  const before = await processCpu(send)
  await burn()
  const after = await processCpu(send)
  let best: { pid: number; grew: number } | null = null
  for (const [pid, p] of after) {
    if (p.type !== 'renderer') continue
    const grew = p.cpu - (before.get(pid)?.cpu ?? 0)
    if (!best || grew > best.grew) best = { pid, grew }
  }
  return best && best.grew >= 0.25 ? best.pid : null
}

export const BURN_500_MS = "void (() => { const end = Date.now() + 500; while (Date.now() < end); })()"

export function cpuSplit(before: ProcessCpu, after: ProcessCpu, workerPid: number | null): CpuSplit {
  const split: CpuSplit = { tabs: 0, worker: 0, browser: 0, other: 0 }
  for (const [pid, p] of after) {
    const used = p.cpu - (before.get(pid)?.cpu ?? 0)
    if (pid === workerPid) split.worker += used
    else if (p.type === 'renderer') split.tabs += used
    else if (p.type === 'browser') split.browser += used
    else split.other += used
  }
  return split
}

export const totalCpu = (split: CpuSplit) => split.tabs + split.worker + split.browser + split.other
