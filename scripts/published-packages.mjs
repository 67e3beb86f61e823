// The workspace packages that are published (not `private`): checked, packed and installed by the
// consumer apps. A new package under packages/ is picked up without editing any list.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

export function publishedPackages() {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  return root.workspaces
    .map((dir) => ({ dir: join(ROOT, dir), manifest: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
}
