// `npm run demo`: the local Realtime server and the demo page together; Ctrl-C stops both.
import { spawn } from 'node:child_process'

const children = []
let stopping = false

function start(name, command, args) {
  // Own process group, so stopping it also stops what npm and npx start beneath it.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env, detached: true })
  const prefix = (line) => `[${name}] ${line}`
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = ''
    stream.on('data', (chunk) => {
      buffer += chunk
      const lines = buffer.split('\n')
      buffer = lines.pop()
      for (const line of lines) if (line.trim()) console.log(prefix(line))
    })
  }
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(prefix(`exited with code ${code}`))
      stop(code ?? 1)
    }
  })
  children.push(child)
  return child
}

function stop(code = 0) {
  if (stopping) return
  stopping = true
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  setTimeout(() => process.exit(code), 500).unref()
}

process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

start('server', 'npm', ['run', '--silent', 'server'])
start('demo', 'npx', ['vite', '--clearScreen', 'false'])
console.log('\n  shared-realtime demo: http://127.0.0.1:5173  (local server on http://127.0.0.1:54321)\n  Open it in several tabs: they share one socket.\n')
