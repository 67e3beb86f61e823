import { defineConfig } from 'tsdown'
import { libraryBuild } from '../../scripts/tsdown-shared.ts'

// react and @shared-realtime/client are peers: tsdown leaves them as imports.
export default defineConfig(libraryBuild({ entry: { index: 'src/index.ts' }, platform: 'browser' }))
