// Each batch resolves the open rejections its accepted documents replace. As a join and `= ANY(ids)`
// on a rejections table not analysed yet, the planner read every open rejection and compared it with
// each of the batch's ids: 87 ms a batch at 11,000 open rejections, growing with every bad document a
// large import met. The statement must probe the open-rejection indexes once per document, and update
// the rows it found by their ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOLVE_ALL } from '../../src/store/imports.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';

const place = (i: number) => `/data/exports/doc-${String(i).padStart(6, '0')}.txt`;

describe.each(backends())('resolving rejections on $name', (backend) => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await backend.create();
    store = await openStore(database.config);
    // 10,000 open rejections from an earlier run, never analysed.
    await store.db.query(
      `INSERT INTO rejections (path, line, source_id, sha256, size, errors, first_run_id, last_run_id)
       SELECT '/data/exports/doc-' || lpad(i::text, 6, '0') || '.txt', 0, 'doc-' || i, md5(i::text), 10, '[]'::jsonb, 'earlier', 'earlier'
         FROM generate_series(0, 9999) AS i`,
    );
  });
  afterAll(async () => {
    await store?.close();
    await database?.cleanup();
  });

  it('probes the open-rejection indexes per document, never reading every open rejection for a batch', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => i * 13);
    const params = ['now', batch.map(place), batch.map(() => 0), batch.map((i) => `doc-${i + 1}`)];
    const rows = await store.db.query<Record<string, string>>(`EXPLAIN ${RESOLVE_ALL}`, params);
    const plan = rows.map((row) => Object.values(row)[0]).join('\n');
    expect(plan).toMatch(/Index Cond: \(\(path = t\.path\) AND \(line = t\.line\)\)/);
    expect(plan).toMatch(/Index Cond: \(source_id = s\.source_id\)/);
    expect(plan).not.toMatch(/Seq Scan on rejections|Recheck Cond: \(resolved_at IS NULL\)/);
    expect(plan).toMatch(/rejections_pkey/);
  });

  it('resolves the rejections at the places and under the ids given, and no others', async () => {
    const resolved = await store.imports.resolveAll('now', [
      { path: place(3), line: 0, sourceId: 'doc-3' }, // at its place and under its id: once
      { path: place(4), line: 0, sourceId: 'elsewhere' }, // at its place
      { path: '/data/exports/renamed.txt', line: 0, sourceId: 'doc-5' }, // under its id
      { path: place(6), line: 1, sourceId: 'unknown' }, // another line of that file: not this rejection
    ]);
    expect(resolved).toBe(3);
    const open = await store.db.query<{ path: string }>(`SELECT path FROM rejections WHERE resolved_by_run = 'now' ORDER BY path`);
    expect(open.map((r) => r.path)).toEqual([place(3), place(4), place(5)]);
  });
});
