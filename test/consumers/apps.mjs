// The consumer apps, where they are installed (outside the repository, so nothing resolves from the
// workspace's node_modules by accident) and the ports they are served on (CONSUMER_PORT_BASE, default 4200).
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const WORK_DIR = process.env.CONSUMER_WORK_DIR ?? join(tmpdir(), 'shared-realtime-consumers')
const base = Number(process.env.CONSUMER_PORT_BASE ?? 4200)

export const SERVER_PORT = base + 10

/** Every served app: built and previewed, or on its dev server. */
export const SERVED_APPS = [
  { name: 'vite7 build + preview', app: 'vite7', port: base, command: `npx vite preview --host 127.0.0.1 --strictPort --port ${base}` },
  { name: 'vite7 dev server', app: 'vite7', port: base + 1, command: `npx vite --host 127.0.0.1 --strictPort --port ${base + 1}` },
  { name: 'vite8 build + preview', app: 'vite8', port: base + 2, command: `npx vite preview --host 127.0.0.1 --strictPort --port ${base + 2}` },
  { name: 'vite8 dev server', app: 'vite8', port: base + 3, command: `npx vite --host 127.0.0.1 --strictPort --port ${base + 3}` },
  { name: 'vite8 dev server, no Vite configuration', app: 'vite8', port: base + 5, command: `npx vite --config vite.bare.config.mjs --host 127.0.0.1 --strictPort --port ${base + 5}` },
  { name: 'webpack5 build', app: 'webpack5', port: base + 4, command: `node ../serve-static.mjs dist ${base + 4}` },
  { name: 'Next.js 16 build + start', app: 'next', port: base + 8, command: `npx next start -H 127.0.0.1 -p ${base + 8}` },
  { name: 'Next.js 16 dev server', app: 'next', port: base + 9, command: `npx next dev -H 127.0.0.1 -p ${base + 9}` },
]

/** examples/react-chat built from the packed client and react packages, in StrictMode. */
export const REACT_CHAT = {
  app: 'react-chat',
  port: base + 11,
  command: `npx vite preview --host 127.0.0.1 --strictPort --port ${base + 11}`,
}

/** Vite 7's dev pre-bundler moves the client away from its worker file: without the documented line it must fail loudly. */
export const VITE7_DEV_WITHOUT_CONFIG = {
  app: 'vite7',
  port: base + 6,
  command: `npx vite --config vite.bare.config.mjs --host 127.0.0.1 --strictPort --port ${base + 6}`,
}

/** The webpack app behind a Content-Security-Policy that allows no workers. */
export const WEBPACK_CSP_NO_WORKERS = {
  app: 'webpack5',
  port: base + 7,
  command: `node ../serve-static.mjs dist ${base + 7} "worker-src 'none'"`,
}
