import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { bearer, BodyTooLargeError, corsHeaders, headerValue, isLoopback, readBody, readJson, sendJson, sendJsonText } from '../../src/http.ts'

const servers: ReturnType<typeof createServer>[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** An HTTP server on an ephemeral port answering with `handler`; returns its URL. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Promise<string> {
  const server = createServer((req, res) => void handler(req, res))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const request = (headers: Record<string, string | string[]>) => ({ headers, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage

describe('http helpers', () => {
  it('allows any origin, and the headers a preflight asks for (the supabase-js ones otherwise)', () => {
    expect(corsHeaders(request({}))['Access-Control-Allow-Headers']).toContain('apikey')
    expect(corsHeaders(request({ 'access-control-request-headers': 'x-custom' }))['Access-Control-Allow-Headers']).toBe('x-custom')
    expect(corsHeaders(undefined)['Access-Control-Allow-Origin']).toBe('*')
  })

  it('sends JSON with its length and CORS headers, an empty body for undefined, headers only for HEAD', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/empty') return sendJson(res, 202, undefined)
      if (req.url === '/head') return sendJsonText(res, 200, '[1]', { contentType: 'application/vnd.pgrst.object+json', head: true })
      sendJson(res, 200, { ok: 'é' })
    })
    const full = await fetch(url)
    expect(full.status).toBe(200)
    expect(full.headers.get('content-type')).toBe('application/json')
    expect(full.headers.get('content-length')).toBe(String(Buffer.byteLength('{"ok":"é"}')))
    expect(full.headers.get('access-control-allow-origin')).toBe('*')
    expect(await full.json()).toEqual({ ok: 'é' })
    const empty = await fetch(`${url}/empty`)
    expect([empty.status, empty.headers.get('content-type'), await empty.text()]).toEqual([202, null, ''])
    const head = await fetch(`${url}/head`, { method: 'HEAD' })
    expect(head.headers.get('content-type')).toBe('application/vnd.pgrst.object+json')
    expect(head.headers.get('content-length')).toBe('3')
    expect(await head.text()).toBe('')
  })

  it('reads a body up to its cap and refuses a bigger one with BodyTooLargeError', async () => {
    const outcomes: unknown[] = []
    const url = await serve(async (req, res) => {
      try {
        outcomes.push((await readBody(req, 8)).toString())
      } catch (error) {
        outcomes.push(error)
      }
      if (!res.destroyed) res.end()
    })
    await fetch(url, { method: 'POST', body: '12345678' })
    await fetch(url, { method: 'POST', body: '123456789' }).catch(() => null)
    await expect.poll(() => outcomes.length).toBe(2)
    expect(outcomes[0]).toBe('12345678')
    expect(outcomes[1]).toBeInstanceOf(BodyTooLargeError)
    expect(outcomes[1]).toMatchObject({ code: 'body_too_large', maxBytes: 8 })
  })

  it('reads JSON bodies: empty is {}, invalid JSON is a message for a 400', async () => {
    const url = await serve(async (req, res) => sendJson(res, 200, await readJson(req)))
    const post = async (body: string) => (await fetch(url, { method: 'POST', body })).json()
    expect(await post('')).toEqual({ ok: true, value: {} })
    expect(await post('{"a":1}')).toEqual({ ok: true, value: { a: 1 } })
    expect(await post('{')).toEqual({ ok: false, error: 'body is not valid JSON' })
  })

  it('reads headers, bearer tokens and loopback peers', () => {
    expect(headerValue(request({ apikey: ['a', 'b'] }), 'apikey')).toBe('a')
    expect(headerValue(undefined, 'apikey')).toBeUndefined()
    expect(bearer(request({ authorization: 'bearer  tok ' }))).toBe('tok')
    expect(bearer(request({ authorization: 'Basic x' }))).toBeNull()
    expect(isLoopback(request({}))).toBe(true)
    expect(isLoopback({ socket: { remoteAddress: '::ffff:127.0.0.1' } } as IncomingMessage)).toBe(true)
    expect(isLoopback({ socket: { remoteAddress: '10.0.0.1' } } as IncomingMessage)).toBe(false)
  })
})
