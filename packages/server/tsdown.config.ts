import { defineConfig } from 'tsdown'
import { libraryBuild } from '../../scripts/tsdown-shared.ts'

export default defineConfig(
  libraryBuild({
    entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
    platform: 'node',
    // dist/ mirrors src/, so `new URL('../../migrations/', import.meta.url)` (and system-migrations/, sql/) resolve from both.
    unbundle: true,
  }),
)
