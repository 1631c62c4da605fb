// Per-batch lookups on tables no ANALYZE has seen yet, as in the middle of a large first import (autovacuum
// off, or behind). Given a batch's 500 keys as `= ANY(array)` or as a join, the planner took them to match
// every row and read the whole table once per batch, which made a million-document import quadratic:
// - the digest lookup scanned every article (215 ms a batch at 500,000 articles);
// - the resolution of rejections read every open rejection and compared it with all 500 ids (87 ms a batch
//   at 11,000 open rejections).
// Each must probe an index once per document instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_DIGESTS } from '../../src/store/articles.js';
import { RESOLVE_ALL } from '../../src/store/imports.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';

const digest = (i: number) => `v1:export:${i.toString(16).padStart(64, '0')}`;
const place = (i: number) => `/data/exports/doc-${String(i).padStart(6, '0')}.txt`;

async function plan(store: Store, sql: string, params: unknown[]): Promise<string> {
  const rows = await store.db.query<Record<string, string>>(`EXPLAIN ${sql}`, params);
  return rows.map((row) => Object.values(row)[0]).join('\n');
}

describe.each(backends())('per-batch lookups on unanalysed tables, $name', (backend) => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await backend.create();
    store = await openStore(database.config);
    // 20,000 articles and 10,000 open rejections of an earlier run, written and never analysed.
    await store.db.query(
      `INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state, source_digest)
       SELECT 'doc-' || i, 'doc--doc-' || i, 'doc ' || i, 1, md5(i::text), 'approved', 'v1:export:' || lpad(to_hex(i), 64, '0')
         FROM generate_series(0, 19999) AS i`,
    );
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

  it('the digest lookup probes the digest index per digest, never scanning every article', async () => {
    const shown = await plan(store, KNOWN_DIGESTS, [Array.from({ length: 500 }, (_, i) => digest(i * 37))]);
    expect(shown).toMatch(/articles_source_digest/);
    expect(shown).not.toMatch(/Seq Scan on articles/);
  });

  it('the digest lookup finds the articles stored under known digests and nothing for the others', async () => {
    const known = await store.articles.knownDigests([digest(5), digest(19_999), digest(20_000), 'v1:json:unknown']);
    expect(known).toEqual(
      new Map([
        [digest(5), { sourceId: 'doc-5', contentHash: expect.stringMatching(/^[0-9a-f]{32}$/) }],
        [digest(19_999), { sourceId: 'doc-19999', contentHash: expect.stringMatching(/^[0-9a-f]{32}$/) }],
      ]),
    );
  });

  it('resolving rejections probes the open-rejection indexes per document, then updates the rows by id', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => i * 13);
    const shown = await plan(store, RESOLVE_ALL, ['now', batch.map(place), batch.map(() => 0), batch.map((i) => `doc-${i + 1}`)]);
    expect(shown).toMatch(/Index Cond: \(\(path = t\.path\) AND \(line = t\.line\)\)/);
    expect(shown).toMatch(/Index Cond: \(source_id = s\.source_id\)/);
    expect(shown).toMatch(/rejections_pkey/);
    expect(shown).not.toMatch(/Seq Scan on rejections|Recheck Cond: \(resolved_at IS NULL\)/);
  });

  it('resolving rejections resolves those at the places and under the ids given, and no others', async () => {
    const resolved = await store.imports.resolveAll('now', [
      { path: place(3), line: 0, sourceId: 'doc-3' }, // at its place and under its id: once
      { path: place(4), line: 0, sourceId: 'elsewhere' }, // at its place
      { path: '/data/exports/renamed.txt', line: 0, sourceId: 'doc-5' }, // under its id
      { path: place(6), line: 1, sourceId: 'unknown' }, // another line of that file: not this rejection
    ]);
    expect(resolved).toBe(3);
    const rows = await store.db.query<{ path: string }>(`SELECT path FROM rejections WHERE resolved_by_run = 'now' ORDER BY path`);
    expect(rows.map((r) => r.path)).toEqual([place(3), place(4), place(5)]);
  });
});
