// Types of apps.mjs for the Playwright config and spec (type-checked by tsconfig.tests.json).
export interface ServedApp {
  name?: string
  app: string
  port: number
  command: string
}
export const WORK_DIR: string
export const SERVER_PORT: number
export const SERVED_APPS: (ServedApp & { name: string })[]
export const VITE7_DEV_WITHOUT_CONFIG: ServedApp
export const WEBPACK_CSP_NO_WORKERS: ServedApp
export const REACT_CHAT: ServedApp
