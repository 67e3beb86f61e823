// A minimal static file server for built apps that have no preview command (the webpack fixture).
// Usage: node serve-static.mjs <dir> <port> [Content-Security-Policy]
import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'

const [dir, port, csp] = process.argv.slice(2)
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' }

createServer((request, response) => {
  const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
  const file = join(dir, path.endsWith('/') ? `${path}index.html` : path)
  try {
    if (!statSync(file).isFile()) throw new Error('not a file')
  } catch {
    response.writeHead(404).end('not found')
    return
  }
  const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }
  response.writeHead(200, csp ? { ...headers, 'Content-Security-Policy': csp } : headers)
  createReadStream(file).pipe(response)
}).listen(Number(port), '127.0.0.1', () => console.log(`serving ${dir} on http://127.0.0.1:${port}`))
