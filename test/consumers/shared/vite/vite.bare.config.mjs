// The same app with no Vite configuration at all (own cache dir, so it can run beside the other dev server).
export default { cacheDir: 'node_modules/.vite-bare' }
