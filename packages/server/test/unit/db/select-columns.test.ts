import { describe, expect, it } from 'vitest'
import { checkSelectTarget, parseSelect, SELECT_NOT_A_LIST, SELECT_ON_WILDCARD } from '../../../src/db/select-columns.ts'

describe('select columns', () => {
  it('keeps the strings of a list, treats an empty or absent one as every column, refuses a string', () => {
    expect(parseSelect(['id', 3, 'title'])).toEqual({ ok: true, select: ['id', 'title'] })
    expect(parseSelect([])).toEqual({ ok: true, select: null })
    expect(parseSelect(undefined)).toEqual({ ok: true, select: null })
    expect(parseSelect('id,title')).toEqual({ ok: false, message: SELECT_NOT_A_LIST })
  })

  it('refuses a list on a wildcard schema or table only', () => {
    expect(checkSelectTarget('*', 't', ['a'])).toBe(SELECT_ON_WILDCARD)
    expect(checkSelectTarget('public', '*', ['a'])).toBe(SELECT_ON_WILDCARD)
    expect(checkSelectTarget('public', '*', null)).toBeNull()
    expect(checkSelectTarget('public', 't', ['a'])).toBeNull()
  })
})
