'use client'
import { useEffect } from 'react'

export default function Page() {
  // The fixture (shared/app.ts, copied here by run.mjs) touches `document`: load it in the browser only.
  useEffect(() => void import('./fixture'), [])
  return (
    <main>
      <p>
        status: <span id="status">-</span> · received: <span id="received">0</span>
      </p>
      <p id="error"></p>
    </main>
  )
}
