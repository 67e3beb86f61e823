/**
 * Pushes on one server channel, each racing a deadline of our own. Phoenix clears a push's hooks when
 * its channel is torn down (the hub tears channels down on every socket close and rejoin), so
 * `channel.send()` can stay pending forever (issue #12, defect 1). Every push here settles: 'ok',
 * 'error' (refused), 'timed out' (our clock), or 'lost' when the channel is abandoned.
 */
import type { Clock } from '../clock.ts'

export type PushStatus = 'ok' | 'timed out' | 'error' | 'lost'

/** Pushes in flight, each racing its own deadline; `abandon()` settles all of them as 'lost'. */
export class PushTracker {
  #clock: Clock
  #pending = new Set<(status: PushStatus) => void>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  get size(): number {
    return this.#pending.size
  }

  run(send: () => Promise<string>, timeoutMs: number): Promise<PushStatus> {
    return new Promise<PushStatus>((resolve) => {
      let timer: unknown
      const settle = (status: PushStatus) => {
        if (!this.#pending.delete(settle)) return
        this.#clock.clearTimeout(timer)
        resolve(status)
      }
      this.#pending.add(settle)
      timer = this.#clock.setTimeout(() => settle('timed out'), timeoutMs)
      let sent: Promise<string>
      try {
        sent = send()
      } catch {
        settle('lost')
        return
      }
      sent.then(
        (status) => settle(status === 'ok' ? 'ok' : status === 'timed out' ? 'timed out' : 'error'),
        () => settle('error'),
      )
    })
  }

  /** The channel is gone: whatever it had in flight has an unknown fate. */
  abandon(): void {
    for (const settle of [...this.#pending]) settle('lost')
  }
}
