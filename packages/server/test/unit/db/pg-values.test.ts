import { describe, expect, it } from 'vitest'
import { asText, compareAs, kindOf, parseArrayLiteral } from '../../../src/db/pg-values.ts'

describe('Postgres value comparison', () => {
  it('classifies column types', () => {
    expect(['int8', 'bool', 'timestamptz', 'jsonb', 'uuid', 'bpchar', 'text', '_int4'].map(kindOf)).toEqual([
      'number', 'bool', 'time', 'json', 'ci-text', 'bpchar', 'text', 'array',
    ])
  })

  it('compares numbers numerically, NaN above every number, and refuses what the cast would refuse', () => {
    expect(compareAs('int4', 10, '9')).toBe(1)
    expect(compareAs('numeric', '2.50', '2.5')).toBe(0)
    expect(compareAs('float8', 'NaN', '1e308')).toBe(1)
    expect(compareAs('float8', 'NaN', 'nan')).toBe(0)
    expect(compareAs('int4', 1, 'abc')).toBeNull()
  })

  it('reads booleans, times (no zone = UTC), JSON (key order ignored), uuid case-insensitively, bpchar without trailing blanks', () => {
    expect(compareAs('bool', true, 't')).toBe(0)
    expect(compareAs('bool', 'f', 'yes')).toBe(-1)
    expect(compareAs('timestamptz', '2026-01-01T00:00:00+00:00', '2026-01-01 00:00:00')).toBe(0)
    expect(compareAs('timestamp', '2026-01-01T00:00:01', '2026-01-01T00:00:00Z')).toBe(1)
    expect(compareAs('jsonb', { b: 1, a: [1, 2] }, '{"a":[1,2],"b":1}')).toBe(0)
    expect(compareAs('uuid', 'ABCD', 'abcd')).toBe(0)
    expect(compareAs('bpchar', 'x  ', 'x')).toBe(0)
    expect(compareAs('text', 'b', 'a')).toBe(1)
  })

  it('compares arrays element by element, NULL elements last, then by length', () => {
    expect(compareAs('_int4', [1, 2], '{1,2}')).toBe(0)
    expect(compareAs('_int4', [1, 2], '{1,2,3}')).toBe(-1)
    expect(compareAs('_int4', [1, null], '{1,5}')).toBe(1)
    expect(compareAs('_text', '{"a,b",c}', '{"a,b",c}')).toBe(0)
    expect(compareAs('_int4', [1], 'not an array')).toBeNull()
  })

  it('parses array literals with quotes and NULL, and gives values their text form', () => {
    expect(parseArrayLiteral('{a,"b,c",NULL,"NULL"}')).toEqual(['a', 'b,c', null, 'NULL'])
    expect(parseArrayLiteral('{}')).toEqual([])
    expect(parseArrayLiteral('a,b')).toBeNull()
    expect([asText('x'), asText(false), asText(3), asText({ a: 1 })]).toEqual(['x', 'false', '3', '{"a":1}'])
  })
})
