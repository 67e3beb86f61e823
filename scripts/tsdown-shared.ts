/**
 * The build of every published package, shared by each package's `tsdown.config.ts` so that a new
 * package copies one short file. ESM only, `.d.ts` with declaration maps, source maps, ES2022.
 *
 * @example
 * // packages/react/tsdown.config.ts
 * import { defineConfig } from 'tsdown'
 * import { libraryBuild } from '../../scripts/tsdown-shared.ts'
 * export default defineConfig(libraryBuild({ entry: { index: 'src/index.ts' }, platform: 'browser' }))
 */
import type { UserConfig } from 'tsdown'

export interface LibraryBuildOptions {
  /** Output name → source file, e.g. `{ index: 'src/index.ts' }` (→ dist/index.js + dist/index.d.ts). */
  entry: Record<string, string>
  platform: 'browser' | 'node' | 'neutral'
  /** Workspace packages that are not published (e.g. `@shared-realtime/worker`): bundled in, types too. */
  inline?: RegExp[]
  /** Keep `src/` layout in `dist/` (one file per module), for code that finds files by relative URL. */
  unbundle?: boolean
  plugins?: UserConfig['plugins']
}

/** A library entry: dependencies and peers stay imports; only `inline` packages are bundled in. */
export function libraryBuild(options: LibraryBuildOptions): UserConfig {
  return {
    entry: options.entry,
    format: 'esm',
    // `.js` / `.d.ts` (every package is "type": "module"), also for platform node.
    fixedExtension: false,
    platform: options.platform,
    target: 'es2022',
    outDir: 'dist',
    clean: true,
    sourcemap: true,
    unbundle: options.unbundle ?? false,
    dts: { sourcemap: true, eager: true },
    deps: { alwaysBundle: options.inline ?? [] },
    plugins: options.plugins,
    // Each package runs publint and attw in `npm test` (scripts/check-packages.mjs), not here.
    publint: false,
  }
}

/**
 * A worker script that a browser loads by URL: nothing can be imported from it, so every dependency
 * is inlined and the file is minified. No declarations (it has no exports).
 */
export function selfContainedWorker(entry: Record<string, string>, plugins?: UserConfig['plugins']): UserConfig {
  return {
    entry,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outDir: 'dist',
    clean: false,
    sourcemap: true,
    minify: true,
    dts: true,
    deps: { alwaysBundle: [/.*/], onlyBundle: false },
    plugins,
    publint: false,
  }
}
