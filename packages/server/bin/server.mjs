#!/usr/bin/env node
// The `shared-realtime-server` bin of package.json: runs the TypeScript CLI through tsx (a dev
// dependency of this workspace; the package ships sources, not a build). Not for production.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
