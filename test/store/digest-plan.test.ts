// A million-document import spent most of PostgreSQL's time in the digest lookup: on an articles table
// not analysed yet, `source_digest = ANY($1)` with a batch's 500 digests was planned as a scan of every
// article, once per batch. The lookup must probe the digest index once per digest instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_DIGESTS } from '../../src/store/articles.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';

const digest = (i: number) => `v1:export:${i.toString(16).padStart(64, '0')}`;

describe.each(backends())('the digest lookup on $name', (backend) => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await backend.create();
    store = await openStore(database.config);
    // 20,000 articles written and never analysed, as in the middle of a large first import.
    await store.db.query(
      `INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state, source_digest)
       SELECT 'doc-' || i, 'doc--doc-' || i, 'doc ' || i, 1, md5(i::text), 'approved', 'v1:export:' || lpad(to_hex(i), 64, '0')
         FROM generate_series(0, 19999) AS i`,
    );
  });
  afterAll(async () => {
    await store?.close();
    await database?.cleanup();
  });

  it('probes the digest index per digest, never scanning every article for a batch', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => digest(i * 37));
    const rows = await store.db.query<Record<string, string>>(`EXPLAIN ${KNOWN_DIGESTS}`, [batch]);
    const plan = rows.map((row) => Object.values(row)[0]).join('\n');
    expect(plan).toMatch(/articles_source_digest/);
    expect(plan).not.toMatch(/Seq Scan on articles/);
  });

  it('finds the articles stored under known digests and nothing for the others', async () => {
    const known = await store.articles.knownDigests([digest(5), digest(19_999), digest(20_000), 'v1:json:unknown']);
    expect(known).toEqual(
      new Map([
        [digest(5), { sourceId: 'doc-5', contentHash: expect.stringMatching(/^[0-9a-f]{32}$/) }],
        [digest(19_999), { sourceId: 'doc-19999', contentHash: expect.stringMatching(/^[0-9a-f]{32}$/) }],
      ]),
    );
  });
});
