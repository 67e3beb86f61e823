// Runs inside each soak tab (the built demo in manual mode, `window.realtime`). Plain JavaScript on
// purpose: it is injected as source text, so no TypeScript helper may leak into it.
// It subscribes like an app would, sends a broadcast every `sendIntervalMs` and awaits it, tracks
// presence, and records everything the checks need in `window.__chaos`.
;(() => {
  if (window.__chaos) return
  const state = {
    tab: '',
    sent: [],
    heard: [],
    rows: [],
    dbLog: [],
    dbSubscribedAt: null,
    errors: [],
    statuses: {},
    stopped: false,
    senderDone: null,
  }
  window.__chaos = state
  window.addEventListener('error', (event) => state.errors.push(`error: ${event.message}`))
  window.addEventListener('unhandledrejection', (event) => {
    const reason = event.reason
    state.errors.push(`unhandledrejection: ${reason && reason.code ? `[${reason.code}] ` : ''}${reason && reason.message ? reason.message : String(reason)}`)
  })

  const subscribe = (name, channel) =>
    new Promise((resolve) => {
      channel.subscribe((status) => {
        state.statuses[name] = status
        if (name === 'db') {
          state.dbLog.push({ kind: 'status', status, at: Date.now() })
          if (status === 'SUBSCRIBED' && state.dbSubscribedAt === null) state.dbSubscribedAt = Date.now()
        }
        if (status === 'SUBSCRIBED') resolve()
      })
    })

  window.__chaosStart = async ({ tab, sendIntervalMs, table }) => {
    state.tab = tab
    const realtime = window.realtime
    const bc = realtime.channel('chaos-bc').on('broadcast', { event: 'm' }, (message) => {
      const p = message.payload
      state.heard.push({ from: p.from, n: p.n })
    })
    const db = realtime
      .channel('chaos-db')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (change) => state.rows.push(change.new.id))
    db.onResync((notice) => state.dbLog.push({ kind: 'resync', since: notice.since, until: notice.until, reason: notice.reason, at: Date.now() }))
    const presence = realtime.channel('chaos-presence', { config: { presence: { key: tab } } })
    // Not awaited: a tab opened during an outage must start like an app would, sending into the outbox.
    void Promise.all([subscribe('bc', bc), subscribe('db', db), subscribe('presence', presence)])
    presence.track({ tab, since: Date.now() }).catch((error) => state.errors.push(`track: ${error && error.code ? `[${error.code}] ` : ''}${error && error.message}`))
    let n = 0
    state.senderDone = (async () => {
      while (!state.stopped) {
        n++
        try {
          const status = await bc.send({ type: 'broadcast', event: 'm', payload: { from: tab, n } })
          state.sent.push({ n, status })
        } catch (error) {
          state.sent.push({ n, status: 'rejected', code: error && error.code ? error.code : null, message: String(error && error.message ? error.message : error) })
        }
        await new Promise((resolve) => setTimeout(resolve, sendIntervalMs))
      }
    })()
  }

  window.__chaosStop = async () => {
    state.stopped = true
    await state.senderDone
  }

  window.__chaosSnapshot = () => {
    const health = window.realtime.getHealthStatus()
    return {
      tab: state.tab,
      sent: state.sent,
      heard: state.heard,
      rows: state.rows,
      dbLog: state.dbLog,
      dbSubscribedAt: state.dbSubscribedAt,
      errors: state.errors,
      health: { status: health.status, queueSize: health.queueSize, channels: { ...state.statuses } },
    }
  }
})()
