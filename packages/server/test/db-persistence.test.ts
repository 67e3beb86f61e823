import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openDatabase } from '../src/db/database.ts'
import type { RowChange } from '../src/db/types.ts'

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'realtime-local-db-'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

it('persists a dataDir across reopen, applies only new migrations, and keeps capturing', async () => {
  const dataDir = join(root, 'data')
  const migrationsDir = join(root, 'migrations')
  await rm(migrationsDir, { recursive: true, force: true })
  await mkdir(migrationsDir)
  await writeFile(
    join(migrationsDir, '0001_notes.sql'),
    `create table notes (id serial primary key, body text not null);
     insert into notes (body) values ('seed');
     alter publication supabase_realtime add table notes;`,
  )

  const first = await openDatabase({ dataDir, migrationsDir })
  await first.query("insert into notes (body) values ('kept')")
  await first.close()

  // A second file appears; the first must not run again (it would fail: the table exists).
  await writeFile(join(migrationsDir, '0002_tags.sql'), `alter table notes add column tag text default 'new';`)
  const second = await openDatabase({ dataDir, migrationsDir })
  try {
    const notes = await second.query<{ body: string; tag: string }>('select body, tag from notes order by id')
    expect(notes.rows).toEqual([
      { body: 'seed', tag: 'new' },
      { body: 'kept', tag: 'new' },
    ])
    const applied = await second.query<{ name: string }>('select name from realtime_local.schema_migrations order by name')
    expect(applied.rows.map((r) => r.name)).toEqual(['0001_notes.sql', '0002_tags.sql'])

    const changes: RowChange[] = []
    const got = new Promise<void>((resolve) => {
      second.onChange((change) => {
        changes.push(change)
        resolve()
      })
    })
    await second.query("insert into notes (body, tag) values ('after reopen', 'x')")
    await got
    expect(changes[0]).toMatchObject({ table: 'notes', type: 'INSERT', record: { body: 'after reopen', tag: 'x' } })
  } finally {
    await second.close()
  }
})

it('rejects with the file name when a migration fails, applying nothing of that file', async () => {
  const migrationsDir = join(root, 'broken')
  await mkdir(migrationsDir)
  await writeFile(join(migrationsDir, '0001_ok.sql'), 'create table fine (id int primary key);')
  await writeFile(join(migrationsDir, '0002_bad.sql'), 'create table half (id int); select * from missing_table;')
  await expect(openDatabase({ migrationsDir })).rejects.toThrow(/Migration 0002_bad\.sql failed: .*missing_table/)
})
