import { describe, expect, it } from 'vitest'
import { badRequest, fromDatabaseError, RestError, singleObjectError } from '../../../src/rest/errors.ts'

describe('REST errors', () => {
  it('maps SQLSTATEs to PostgREST statuses, by code then by class', () => {
    const status = (code: string) => fromDatabaseError({ code, message: 'm' }).status
    expect([status('23505'), status('42P01'), status('42501'), status('P0001')]).toEqual([409, 404, 403, 400])
    expect([status('08006'), status('28000'), status('22P02'), status('XX000'), status('99999')]).toEqual([503, 403, 400, 500, 400])
  })

  it('keeps detail and hint, passes RestErrors through, and turns other throws into 500 PGRST000', () => {
    expect(fromDatabaseError({ code: '23505', message: 'dup', detail: 'Key (id)=(1)', hint: 7 }).body).toEqual({
      code: '23505', message: 'dup', details: 'Key (id)=(1)', hint: null,
    })
    const rest = badRequest('bad')
    expect(fromDatabaseError(rest)).toBe(rest)
    expect(fromDatabaseError(new Error('boom'))).toMatchObject({ status: 500, body: { code: 'PGRST000', message: 'boom' } })
  })

  it('reads the single-row guard raised inside a mutation as PGRST116 with the row count', () => {
    const error = fromDatabaseError({ code: 'P0001', message: 'PGRST116:3' })
    expect(error).toBeInstanceOf(RestError)
    expect(error).toMatchObject({ status: 406, body: { code: 'PGRST116', details: 'The result contains 3 rows' } })
    expect(singleObjectError(0).body.details).toBe('The result contains 0 rows')
  })
})
