#!/usr/bin/env node
// The `shared-realtime-server` bin: the built CLI (dist/cli.js), plain Node, no TypeScript loader.
// Development, tests and benchmarks only; not a production server.
import '../dist/cli.js'
