import { existsSync } from 'node:fs'

/**
 * Which Chromium the tests launch: CHROMIUM_PATH if set (empty = Playwright's own browser), else
 * Debian's /usr/bin/chromium when present, else Playwright's own download.
 */
export function chromiumPath() {
  if (process.env.CHROMIUM_PATH !== undefined) return process.env.CHROMIUM_PATH || undefined
  return existsSync('/usr/bin/chromium') || process.platform === 'linux' && existsSync('/etc/debian_version') ? '/usr/bin/chromium' : undefined
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]
