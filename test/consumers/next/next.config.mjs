// No configuration: Next.js 16 (Turbopack) emits the client's shared-worker.js on its own.
export default {}
