// Playwright cannot download its browsers on every machine; our tests run Debian's Chromium.
// This check fails early with the exact command to run instead of failing inside Playwright.
import { existsSync } from 'node:fs'
import { chromiumPath } from './chromium-path.mjs'

const path = chromiumPath()
if (path && !existsSync(path)) {
  console.error(`No Chromium at ${path}.
Install Debian's build once (as root):
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
or point CHROMIUM_PATH at another Chromium, or set CHROMIUM_PATH= (empty) to use Playwright's own browser
(after 'npx playwright install chromium' on a machine that can download it).`)
  process.exit(1)
}
