import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { OBJECT_MEDIA_TYPE, requestOptions } from '../../../src/rest/request.ts'

const options = (headers: Record<string, string>) => requestOptions({ headers } as unknown as IncomingMessage)

describe('PostgREST request options', () => {
  it('reads nothing from absent headers', () => {
    expect(options({})).toEqual({ single: false, stripNulls: false, representation: false, count: false, missingDefault: false, resolution: null })
  })

  it('reads .single(), stripped nulls and the Prefer tokens postgrest-js sends', () => {
    expect(options({ accept: `${OBJECT_MEDIA_TYPE}; nulls=stripped`, prefer: 'return=representation, count=exact,missing=default,resolution=merge-duplicates' })).toEqual({
      single: true, stripNulls: true, representation: true, count: true, missingDefault: true, resolution: 'merge',
    })
    expect(options({ prefer: 'resolution=ignore-duplicates,count=planned' })).toMatchObject({ resolution: 'ignore', count: true })
    expect(options({ prefer: 'return=minimal,count=none,resolution=other' })).toMatchObject({ representation: false, count: false, resolution: null })
  })
})
