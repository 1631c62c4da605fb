import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExport, type Article } from '../../src/domain/article/index.js';
import { ZERO_COUNTS, type ImportCounts } from '../../src/domain/import/index.js';
import type { ReviewPolicy } from '../../src/domain/review.js';
import { commitBatch, contentHash, type PreparedDocument } from '../../src/ingest/batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import { VALID_EXPORT } from '../domain/fixtures.js';
import { backends, type Backend, type TestDatabase } from '../helpers/db.js';

// Issue 9 item 1: a batch is committed set-based (a few multi-row statements, whatever its size). A
// batch mixing every outcome gives the exact rows, the same on the set-based pass and on the per-document
// redo a refused document forces; overlapping batches sharing source ids never duplicate or deadlock.

function baseArticle(): Article {
  const parsed = parseExport(VALID_EXPORT);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.errors)}`);
  return parsed.article;
}
const base = baseArticle();

function withId(sourceId: string, title = base.title): Article {
  return { ...base, title, sourceId, meta: { ...base.meta, payload: { ...base.meta.payload, sourceId } } };
}

function accepted(seq: number, article: Article): PreparedDocument {
  const hash = contentHash(article);
  return { seq, line: 0, path: `/src/${seq}.txt`, ok: true, sourceId: article.sourceId, article, contentHash: hash, sha256: hash, size: 100 };
}

function rejected(seq: number): PreparedDocument {
  const raw = Buffer.from(`not an export ${seq}`);
  return {
    seq,
    line: 0,
    path: `/src/${seq}.txt`,
    ok: false,
    errors: [{ field: 'title', message: 'missing title' }],
    sourceId: null,
    sha256: String(seq).padStart(64, 'b'),
    size: raw.length,
    raw,
  };
}

async function withStore(backend: Backend): Promise<{ store: Store; database: TestDatabase }> {
  const database = await backend.create();
  return { store: await openStore(database.config), database };
}

let runSeq = 0;
async function startRun(store: Store, dryRun = false): Promise<string> {
  const runId = `run-${String(runSeq++).padStart(3, '0')}`;
  await store.imports.startRun({ runId, workflowId: runId, source: { paths: ['/src'] }, dryRun });
  return runId;
}

async function commit(
  store: Store,
  runId: string,
  prepared: PreparedDocument[],
  options: { policy?: ReviewPolicy; dryRun?: boolean } = {},
): Promise<ImportCounts> {
  const to = prepared.length === 0 ? 0 : Math.max(...prepared.map((d) => d.seq)) + 1;
  return commitBatch(store.db, { runId, from: 0, to, files: prepared.length, prepared, policy: options.policy ?? 'none', dryRun: options.dryRun ?? false });
}

/** Everything an import writes, in a stable order, without timestamps. */
async function snapshot(store: Store) {
  return {
    articles: await store.db.query(
      'SELECT source_id, slug, title, current_revision, content_hash, review_state, reviewed_by, reviewed_at IS NOT NULL AS reviewed FROM articles ORDER BY source_id',
    ),
    revisions: await store.db.query('SELECT source_id, revision, content_hash, import_run, article FROM article_revisions ORDER BY source_id, revision'),
    rejections: await store.db.query(
      `SELECT path, line, source_id, sha256, size, encode(raw, 'hex') AS raw, errors, first_run_id, last_run_id, resolved_at IS NOT NULL AS resolved, resolved_by_run FROM rejections ORDER BY path, line, id`,
    ),
  };
}

const A1 = withId('kept-000001', 'kept as it was');
const B1 = withId('changed-000001', 'changed first words');
const B2 = withId('changed-000001', 'changed second words');
const C1 = withId('reverted-000001', 'reverted first words');
const C2 = withId('reverted-000001', 'reverted second words');
const D1 = withId('fresh-000001', 'fresh article');
const D2 = withId('fresh-000001', 'fresh article, a duplicate edition');
const NUL = withId('refused-000001', 'a title with a \u0000 NUL');

// Without and with a document the database refuses: the second forces the per-document redo, and every
// other document must come out exactly the same.
for (const backend of backends()) {
  for (const variant of ['set-based', 'redone per document'] as const) {
    describe(`a batch mixing every outcome on ${backend.name} (${variant})`, () => {
      let store: Store;
      let database: TestDatabase;
      let seedRun: string;
      let editRun: string;
      let oldRun: string;
      let aHash: string;

      beforeAll(async () => {
        ({ store, database } = await withStore(backend));
        seedRun = await startRun(store);
        expect(await commit(store, seedRun, [accepted(0, A1), accepted(1, B1), accepted(2, C1)])).toMatchObject({ created: 3 });
        editRun = await startRun(store);
        expect(await commit(store, editRun, [accepted(2, C2)])).toMatchObject({ updated: 1 });
        await store.articles.setReviewState(['kept-000001', 'changed-000001', 'reverted-000001'], 'rejected', 'alice');
        aHash = contentHash(A1);
        // Open rejections a later run resolves: one at the place the fresh article comes from, one under the changed article's id.
        oldRun = await startRun(store);
        await store.imports.quarantine(oldRun, { path: '/src/3.txt', line: 0, sourceId: null, sha256: 'c'.repeat(64), size: 1, raw: null, errors: [] });
        await store.imports.quarantine(oldRun, {
          path: '/elsewhere.txt',
          line: 0,
          sourceId: 'changed-000001',
          sha256: 'd'.repeat(64),
          size: 1,
          raw: null,
          errors: [],
        });
      });
      afterAll(async () => {
        await store?.close();
        await database?.cleanup();
      });

      const batch = () => [
        accepted(0, A1),
        accepted(1, B2),
        accepted(2, C1),
        accepted(3, D1),
        rejected(4),
        accepted(5, D2),
        ...(variant === 'redone per document' ? [accepted(6, NUL)] : []),
      ];
      const refused = variant === 'redone per document' ? 1 : 0;
      const expectedCounts = { ...ZERO_COUNTS, files: 6 + refused, documents: 6 + refused, created: 1, updated: 2, unchanged: 1, rejected: 2 + refused };
      const expectedResults = [
        { seq: 0, sourceId: 'kept-000001', outcome: 'unchanged', changedFields: null, errors: null },
        { seq: 1, sourceId: 'changed-000001', outcome: 'updated', changedFields: ['title'], errors: null },
        { seq: 2, sourceId: 'reverted-000001', outcome: 'updated', changedFields: ['title'], errors: null },
        { seq: 3, sourceId: 'fresh-000001', outcome: 'created', changedFields: null, errors: null },
        { seq: 4, sourceId: null, outcome: 'rejected', changedFields: null, errors: [{ field: 'title', message: 'missing title' }] },
        {
          seq: 5,
          sourceId: null,
          outcome: 'rejected',
          changedFields: null,
          errors: [{ field: 'sourceId', message: 'duplicate sourceId in this source, first seen at /src/3.txt' }],
        },
        ...(variant === 'redone per document'
          ? [
              {
                seq: 6,
                sourceId: 'refused-000001',
                outcome: 'rejected',
                changedFields: null,
                errors: [{ field: 'document', message: expect.stringMatching(/^the database refused it: /) }],
              },
            ]
          : []),
      ];

      it('a dry run plans every outcome and writes nothing', async () => {
        const before = await snapshot(store);
        const runId = await startRun(store, true);
        expect(await commit(store, runId, batch(), { policy: 'all', dryRun: true })).toEqual(expectedCounts);
        expect(await store.imports.results(runId, { limit: 100, offset: 0 })).toMatchObject(expectedResults);
        expect(await snapshot(store)).toEqual(before);
      });

      it('writes exactly the rows each outcome calls for', async () => {
        const runId = await startRun(store);
        expect(await commit(store, runId, batch(), { policy: 'all' })).toEqual(expectedCounts);
        expect(await store.imports.results(runId, { limit: 100, offset: 0 })).toMatchObject(expectedResults);
        expect(await store.imports.committedBatch(runId, 0)).toEqual(expectedCounts);

        const { articles, revisions, rejections } = await snapshot(store);
        // Unchanged keeps its reviewer's decision; changed content (a revert too) goes back to the policy's state.
        expect(articles).toMatchObject([
          {
            source_id: 'changed-000001',
            title: B2.title,
            current_revision: 2,
            content_hash: contentHash(B2),
            review_state: 'pending',
            reviewed_by: null,
            reviewed: false,
          },
          { source_id: 'fresh-000001', title: D1.title, current_revision: 1, content_hash: contentHash(D1), review_state: 'pending', reviewed_by: null },
          { source_id: 'kept-000001', current_revision: 1, content_hash: aHash, review_state: 'rejected', reviewed_by: 'alice', reviewed: true },
          { source_id: 'reverted-000001', title: C1.title, current_revision: 1, content_hash: contentHash(C1), review_state: 'pending', reviewed_by: null },
        ]);
        // The slug never follows a title change.
        expect(articles[0]?.slug).toMatch(/^changed-first-words--/);
        // A revert points back at its old revision: no third revision.
        expect(revisions.map((r) => [r.source_id, r.revision, r.content_hash, r.import_run])).toEqual([
          ['changed-000001', 1, contentHash(B1), seedRun],
          ['changed-000001', 2, contentHash(B2), runId],
          ['fresh-000001', 1, contentHash(D1), runId],
          ['kept-000001', 1, aHash, seedRun],
          ['reverted-000001', 1, contentHash(C1), seedRun],
          ['reverted-000001', 2, contentHash(C2), editRun],
        ]);
        expect(revisions.find((r) => r.source_id === 'fresh-000001')?.article).toEqual(D1);

        expect(rejections).toMatchObject([
          { path: '/elsewhere.txt', source_id: 'changed-000001', first_run_id: oldRun, resolved: true, resolved_by_run: runId },
          { path: '/src/3.txt', sha256: 'c'.repeat(64), resolved: true, resolved_by_run: runId },
          {
            path: '/src/4.txt',
            source_id: null,
            raw: Buffer.from('not an export 4').toString('hex'),
            size: 15,
            first_run_id: runId,
            last_run_id: runId,
            resolved: false,
          },
          { path: '/src/5.txt', source_id: null, raw: null, first_run_id: runId, resolved: false },
          ...(variant === 'redone per document'
            ? [{ path: '/src/6.txt', source_id: 'refused-000001', first_run_id: runId, resolved: false, raw: expect.any(String) }]
            : []),
        ]);
        expect(rejections).toHaveLength(4 + refused);
      });

      it('a second import of the same batch writes nothing new: unchanged, and the same rejections stay one entry each', async () => {
        const before = await snapshot(store);
        const runId = await startRun(store);
        expect(await commit(store, runId, batch(), { policy: 'all' })).toEqual({ ...expectedCounts, created: 0, updated: 0, unchanged: 4 });
        const after = await snapshot(store);
        expect(after.articles).toEqual(before.articles);
        expect(after.revisions).toEqual(before.revisions);
        expect(after.rejections.map((r) => ({ ...r, last_run_id: null }))).toEqual(before.rejections.map((r) => ({ ...r, last_run_id: null })));
        expect(after.rejections.filter((r) => !r.resolved).map((r) => r.last_run_id)).toEqual(Array(2 + refused).fill(runId));
      });

      it('the same batch committed twice in one run is refused by its marker row and changes nothing', async () => {
        const runId = await startRun(store);
        await commit(store, runId, batch());
        const before = await snapshot(store);
        await expect(commit(store, runId, batch())).rejects.toMatchObject({ code: '23505' });
        expect(await snapshot(store)).toEqual(before);
      });
    });
  }

  describe(`overlapping batches on ${backend.name}`, () => {
    let stores: Store[];
    let database: TestDatabase;
    beforeAll(async () => {
      database = await backend.create();
      const first = await openStore(database.config);
      // Two pools on one PostgreSQL server really overlap; PGlite has one connection and queues them.
      stores = backend.name === 'postgres' ? [first, await openStore(database.config)] : [first, first];
    });
    afterAll(async () => {
      for (const s of new Set(stores)) await s.close();
      await database?.cleanup();
    });

    it('two imports of the same source ids at once never duplicate, never deadlock, and split the work exactly', async () => {
      for (let round = 0; round < 5; round++) {
        const id = (kind: string, i: number) => `r${round}-${kind}-${String(i).padStart(6, '0')}`;
        const existing = Array.from({ length: 20 }, (_, i) => id('old', i));
        const fresh = Array.from({ length: 20 }, (_, i) => id('new', i));
        const seed = await startRun(stores[0] as Store);
        await commit(
          stores[0] as Store,
          seed,
          existing.map((sourceId, i) => accepted(i, withId(sourceId, 'first words'))),
        );
        // The same documents, listed in opposite orders: lock order must not follow the listing.
        const docs = [...existing.map((sourceId) => withId(sourceId, 'second words')), ...fresh.map((sourceId) => withId(sourceId, 'new words'))];
        const forward = docs.map((article, i) => accepted(i, article));
        const backward = [...docs].reverse().map((article, i) => accepted(i, article));
        const [a, b] = await Promise.all([
          startRun(stores[0] as Store).then((runId) => commit(stores[0] as Store, runId, forward)),
          startRun(stores[1] as Store).then((runId) => commit(stores[1] as Store, runId, backward)),
        ]);
        if (!a || !b) throw new Error('both commits report');
        expect([a.rejected, b.rejected]).toEqual([0, 0]);
        expect(a.created + b.created).toBe(20);
        expect(a.updated + b.updated).toBe(20);
        expect(a.unchanged + b.unchanged).toBe(40);

        const rows = await stores[0]!.db.query<{ source_id: string; revisions: number; current_revision: number }>(
          `SELECT a.source_id, a.current_revision, count(r.*)::int AS revisions FROM articles a JOIN article_revisions r USING (source_id)
            WHERE a.source_id LIKE $1 GROUP BY a.source_id, a.current_revision ORDER BY a.source_id`,
          [`r${round}-%`],
        );
        expect(rows).toEqual([
          ...fresh.map((sourceId) => ({ source_id: sourceId, current_revision: 1, revisions: 1 })),
          ...existing.map((sourceId) => ({ source_id: sourceId, current_revision: 2, revisions: 2 })),
        ]);
      }
    });
  });
}
