// `npm run test:consumers`: packs the published packages (npm pack), installs them into each consumer
// app (copied outside the repository, one npm cache shared by all), builds and type-checks the apps,
// runs the server's bin from its tarball, then the Playwright test over every built or served app.
// Needs `npm run build` first (npm test does it).
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { publishedPackages, ROOT } from '../../scripts/published-packages.mjs'
import { WORK_DIR } from './apps.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const APPS = ['vite7', 'vite8', 'webpack5', 'next', 'node', 'react-chat']
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(cwd, command, args, what) {
  const started = Date.now()
  const env = { ...process.env, npm_config_update_notifier: 'false', NEXT_TELEMETRY_DISABLED: '1' }
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env })
  if (result.status !== 0) {
    console.error(`\n✗ ${what} failed (exit ${result.status})`)
    process.exit(1)
  }
  console.log(`✓ ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
}

// 1. Tarballs, named without their version so the apps' package.json files need no edit on a bump.
const packs = join(WORK_DIR, '.packs')
rmSync(packs, { recursive: true, force: true })
mkdirSync(packs, { recursive: true })
for (const { dir, manifest } of publishedPackages()) {
  const [info] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', packs], { cwd: dir, encoding: 'utf8' }))
  renameSync(join(packs, info.filename), join(packs, `${manifest.name.replace('@', '').replace('/', '-')}.tgz`))
  console.log(`✓ packed ${manifest.name}@${manifest.version}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB`)
}

// 2. Copy each app beside the tarballs (node_modules kept between runs) and install it.
for (const app of APPS) {
  const target = join(WORK_DIR, app)
  mkdirSync(target, { recursive: true })
  for (const entry of readdirSync(target, { withFileTypes: true }).filter((e) => e.name !== 'node_modules')) {
    rmSync(join(target, entry.name), { recursive: true, force: true })
  }
}
for (const app of APPS) {
  const target = join(WORK_DIR, app)
  cpSync(join(HERE, app), target, { recursive: true })
  if (app === 'next') cpSync(join(HERE, 'shared/app.ts'), join(target, 'app/fixture.ts'))
  else if (app === 'react-chat') {
    // The example itself (StrictMode on), with this folder's package.json and Vite config.
    cpSync(join(EXAMPLES, 'react-chat/src'), join(target, 'src'), { recursive: true })
    cpSync(join(EXAMPLES, 'react-chat/index.html'), join(target, 'index.html'))
  } else if (app !== 'node') {
    mkdirSync(join(target, 'src'), { recursive: true })
    cpSync(join(HERE, 'shared/app.ts'), join(target, 'src/main.ts'))
  }
  if (app.startsWith('vite')) {
    // Both Vite apps: create-vite's tsconfig plus two stricter ones, and the same vite.config.ts.
    cpSync(join(HERE, 'shared/vite'), target, { recursive: true })
    cpSync(join(HERE, 'shared/api.ts'), join(target, 'src/api.ts'))
    cpSync(join(HERE, 'shared/api-supabase.ts'), join(target, 'src/api-supabase.ts'))
    cpSync(join(HERE, 'shared/index.html'), join(target, 'index.html'))
  }
  // npm keeps an installed file: tarball whose name did not change: drop ours so the new packs go in.
  rmSync(join(target, 'node_modules/@shared-realtime'), { recursive: true, force: true })
  rmSync(join(target, 'node_modules/.package-lock.json'), { force: true })
  run(target, npm, ['install', '--no-package-lock', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], `${app}: npm install (packed tarballs)`)
}
cpSync(join(HERE, 'serve-static.mjs'), join(WORK_DIR, 'serve-static.mjs'))

// 3. Build and type-check as the apps' own scripts do.
for (const app of ['vite7', 'vite8']) {
  run(join(WORK_DIR, app), npm, ['run', 'build', '--silent'], `${app}: tsc && vite build`)
  run(join(WORK_DIR, app), npm, ['run', 'typecheck', '--silent'], `${app}: tsc of the whole public API (create-vite tsconfig; strict + NodeNext; strict off; skipLibCheck off)`)
}
run(join(WORK_DIR, 'webpack5'), npm, ['run', 'build', '--silent'], 'webpack5: webpack + ts-loader (node_modules excluded)')
run(join(WORK_DIR, 'next'), npm, ['run', 'build', '--silent'], 'next: next build (Turbopack)')
run(join(WORK_DIR, 'react-chat'), npm, ['run', 'build', '--silent'], 'react-chat: tsc && vite build (examples/react-chat from the packed client and react packages)')
run(join(WORK_DIR, 'node'), 'npx', ['--no-install', 'shared-realtime-server', '--help'], 'node: npx shared-realtime-server --help (bin from the tarball, plain Node)')

// 4. Two tabs of every app against the local server started from the server package.
run(ROOT, join(ROOT, 'node_modules/.bin/playwright'), ['test', '-c', join(HERE, 'playwright.config.ts')], 'consumer apps in Chromium')
