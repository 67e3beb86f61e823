// `npm run check:packages`: every published package passes publint (strict: warnings fail too) and
// "Are the types wrong?" on its packed tarball, then the size budgets hold. Run after `npm run build`.
//
// attw runs with `--profile esm-only`: the packages are ESM only ("type": "module", no `require`
// condition), so the node10 and node16-CJS resolutions are expected to fail and are not checked.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { publishedPackages, ROOT } from './published-packages.mjs'

const bin = (name) => join(ROOT, 'node_modules/.bin', name)
const run = (command, args) => execFileSync(command, args, { cwd: ROOT, stdio: 'inherit' })

for (const { dir, manifest } of publishedPackages()) {
  console.log(`\n== ${manifest.name}@${manifest.version}`)
  run(bin('publint'), ['run', dir, '--strict'])
  run(bin('attw'), ['--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped'])
}

console.log('\n== size budgets (size-limit, minified + gzipped)')
run(process.execPath, [join(ROOT, 'scripts/size-bundle.mjs')])
run(bin('size-limit'), [])
