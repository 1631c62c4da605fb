import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExport, type Article } from '../../src/domain/article/index.js';
import { articleSlug, stableStringify } from '../../src/domain/content.js';
import { ZERO_COUNTS } from '../../src/domain/import/index.js';
import { commitBatch, contentHash, type PreparedDocument } from '../../src/ingest/batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import { VALID_EXPORT } from '../domain/fixtures.js';
import { backends, type TestDatabase } from '../helpers/db.js';

// The safety net of issue 8 item 5: a document the database refuses for a data reason is isolated and
// quarantined, never fails its batch. The articles are crafted past the parser on purpose: the net
// must hold whatever the parser lets through.

function baseArticle(): Article {
  const parsed = parseExport(VALID_EXPORT);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.errors)}`);
  return parsed.article;
}

function withId(article: Article, sourceId: string, patch: Partial<Article> = {}): Article {
  return { ...article, ...patch, sourceId, meta: { ...article.meta, payload: { ...article.meta.payload, sourceId } } };
}

function accepted(seq: number, article: Article): PreparedDocument {
  return {
    seq,
    line: 0,
    path: `/src/${seq}.txt`,
    ok: true,
    sourceId: article.sourceId,
    article,
    contentHash: contentHash(article),
    sha256: contentHash(article),
    size: 100,
  };
}

function parseRejected(seq: number): PreparedDocument {
  const raw = Buffer.from(`not an export ${seq}`);
  return {
    seq,
    line: 0,
    path: `/src/${seq}.txt`,
    ok: false,
    errors: [{ field: 'title', message: 'missing' }],
    sourceId: null,
    sha256: `${seq}`.padStart(64, 'e'),
    size: raw.length,
    raw,
  };
}

for (const backend of backends()) {
  describe(`commitBatch safety net on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    const base = baseArticle();
    let runSeq = 0;

    const run = async (dryRun = false) => {
      const runId = `run-${runSeq++}`;
      await store.imports.startRun({ runId, workflowId: runId, source: { paths: ['/src'] }, dryRun });
      return runId;
    };

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      // An article holding the slug a later document will want, under another source id.
      const holder = withId(base, 'holder-000001');
      await commitBatch(store.db, { runId: await run(), from: 0, to: 1, files: 1, prepared: [accepted(0, holder)], policy: 'none', dryRun: false });
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    const refusedBatch = () => {
      const good = withId(base, 'good-000001');
      const nulTitle = withId(base, 'nul-000001', { title: 'a title with a \u0000 NUL' });
      const loneSurrogate = withId(base, 'surrogate-000001', { lede: 'a lone \ud800 surrogate' });
      const collider = withId(base, 'collider-000001');
      // Same slug as the holder's, whatever the slug scheme: ON CONFLICT (source_id) does not cover it.
      const holderSlug = articleSlug(withId(base, 'holder-000001'));
      return { good, nulTitle, loneSurrogate, collider, holderSlug };
    };

    it('quarantines a NUL, a lone surrogate and a slug collision, and commits the rest', async () => {
      const { good, nulTitle, loneSurrogate, collider, holderSlug } = refusedBatch();
      // Force the collision: the collider's slug is made to equal the holder's.
      await store.db.query('UPDATE articles SET slug = $1 WHERE source_id = $2', [articleSlug(collider), 'holder-000001']);
      const runId = await run();
      const progress: number[] = [];
      const prepared = [accepted(0, nulTitle), accepted(1, good), accepted(2, loneSurrogate), accepted(3, collider)];
      const counts = await commitBatch(store.db, { runId, from: 0, to: 4, files: 4, prepared, policy: 'none', dryRun: false }, (n) => progress.push(n));
      await store.db.query('UPDATE articles SET slug = $1 WHERE source_id = $2', [holderSlug, 'holder-000001']);

      expect(counts).toEqual({ ...ZERO_COUNTS, files: 4, documents: 4, created: 1, rejected: 3 });
      expect(progress.at(-1)).toBe(4);
      expect(await store.articles.get('good-000001')).toMatchObject({ sourceId: 'good-000001', currentRevision: 1 });
      for (const id of ['nul-000001', 'surrogate-000001', 'collider-000001']) expect(await store.articles.get(id)).toBeUndefined();

      const { rejections } = await store.imports.rejections({ includeResolved: false, limit: 100, offset: 0 });
      const byId = new Map(rejections.map((r) => [r.sourceId, r]));
      expect(byId.get('nul-000001')?.errors[0]?.message).toMatch(/^the database refused it: .*\\u0000 cannot be converted to text/);
      expect(byId.get('surrogate-000001')?.errors[0]?.message).toMatch(/^the database refused it: .*surrogate/i);
      expect(byId.get('collider-000001')?.errors[0]?.message).toMatch(/^the database refused it: duplicate key .*slug/);
      expect(byId.get('nul-000001')).toMatchObject({ hasRaw: true, firstRunId: runId });

      const results = await store.imports.results(runId, { limit: 10, offset: 0 });
      expect(results.map((r) => r.outcome)).toEqual(['rejected', 'created', 'rejected', 'rejected']);
      expect(await store.imports.committedBatch(runId, 0)).toEqual(counts);
    });

    it('stores text beyond ASCII exactly, whether the JSON comes from the article or as bytes inside a larger buffer', async () => {
      // Articles go to jsonb as UTF-8 bytes (PostgreSQL: jsonb's binary input; PGlite: decoded to text).
      const fromArticle = withId(base, 'utf8-000001', { title: 'café — 日本語 😀', lede: 'naïve façade, ünïcödé' });
      const fromBytes = withId(base, 'utf8-000002', { title: 'ελληνικά and עברית', lede: 'emoji 🧪 and a tab-free line' });
      const json = Buffer.from(stableStringify(fromBytes), 'utf8');
      // A parse thread's JSON is a view into the batch's buffer, at an offset.
      const shared = new Uint8Array(json.byteLength + 11);
      shared.set(json, 7);
      const view = shared.subarray(7, 7 + json.byteLength);
      const bytesDoc: PreparedDocument = {
        seq: 1,
        line: 0,
        path: '/src/1.txt',
        ok: true,
        sourceId: fromBytes.sourceId,
        contentHash: contentHash(fromBytes),
        sha256: contentHash(fromBytes),
        size: 100,
        content: { json: view, title: fromBytes.title, needsHumanReview: false },
      };
      const runId = await run();
      const counts = await commitBatch(store.db, {
        runId,
        from: 0,
        to: 2,
        files: 2,
        prepared: [accepted(0, fromArticle), bytesDoc],
        policy: 'none',
        dryRun: false,
      });
      expect(counts).toMatchObject({ created: 2, rejected: 0 });
      for (const article of [fromArticle, fromBytes]) {
        const stored = await store.articles.get(article.sourceId);
        expect(stored?.title).toBe(article.title);
        expect(stored?.revisions[0]?.article).toEqual(article);
        expect(stored?.contentHash).toBe(contentHash(article));
      }
    });

    it('a dry run plans a refused document as rejected and writes nothing', async () => {
      const fresh = withId(base, 'dry-good-000001');
      const nul = withId(base, 'dry-nul-000001', { title: 'dry \u0000 run' });
      const before = await store.db.query<{ a: number; r: number }>('SELECT (SELECT count(*) FROM articles) AS a, (SELECT count(*) FROM rejections) AS r');
      const runId = await run(true);
      const counts = await commitBatch(store.db, {
        runId,
        from: 0,
        to: 2,
        files: 2,
        prepared: [accepted(0, fresh), accepted(1, nul)],
        policy: 'none',
        dryRun: true,
      });
      expect(counts).toEqual({ ...ZERO_COUNTS, files: 2, documents: 2, created: 1, rejected: 1 });
      const plan = await store.imports.results(runId, { limit: 10, offset: 0 });
      expect(plan).toMatchObject([
        { sourceId: 'dry-good-000001', outcome: 'created' },
        { sourceId: 'dry-nul-000001', outcome: 'rejected', errors: [{ field: 'document', message: expect.stringMatching(/^the database refused it: /) }] },
      ]);
      const after = await store.db.query<{ a: number; r: number }>('SELECT (SELECT count(*) FROM articles) AS a, (SELECT count(*) FROM rejections) AS r');
      expect(after).toEqual(before);
      expect(await store.articles.get('dry-good-000001')).toBeUndefined();
    });

    it('a rejection whose field path carries a NUL is quarantined with it escaped', async () => {
      const runId = await run();
      const rejected: PreparedDocument = {
        seq: 0,
        line: 0,
        path: '/src/bad.json',
        ok: false,
        errors: [{ field: 'meta.a\u0000b', message: 'unexpected key "a\u0000b" \udc00' }],
        sourceId: null,
        sha256: 'f'.repeat(64),
        size: 3,
        raw: Buffer.from('a\u0000b'),
      };
      const counts = await commitBatch(store.db, {
        runId,
        from: 0,
        to: 2,
        files: 2,
        prepared: [rejected, accepted(1, withId(base, 'beside-000001'))],
        policy: 'none',
        dryRun: false,
      });
      expect(counts).toMatchObject({ created: 1, rejected: 1 });
      const [entry] = (await store.imports.rejections({ includeResolved: false, limit: 100, offset: 0 })).rejections.filter((r) => r.path === '/src/bad.json');
      expect(entry?.errors).toEqual([{ field: 'meta.a\\u0000b', message: 'unexpected key "a\\u0000b" \\udc00' }]);
    });

    // Two pools on one PostgreSQL: PGlite has one connection, so nothing overlaps there.
    if (backend.name === 'postgres')
      it('overlapping imports creating the same article never quarantine it as a slug collision', async () => {
        const other = await openStore(database.config);
        try {
          for (let i = 0; i < 15; i++) {
            const article = withId(base, `overlap-${String(i).padStart(6, '0')}`);
            const [a, b] = [await run(), await run()];
            const commit = (s: Store, runId: string) =>
              commitBatch(s.db, { runId, from: 0, to: 1, files: 1, prepared: [accepted(0, article)], policy: 'none', dryRun: false });
            const counts = await Promise.all([commit(store, a), commit(other, b)]);
            expect(counts.map((c) => c.rejected)).toEqual([0, 0]);
            expect(counts.map((c) => c.created).sort()).toEqual([0, 1]);
          }
        } finally {
          await other.close();
        }
      });

    it('a batch with no refusal writes every document and reports progress per stage', async () => {
      const runId = await run();
      const progress: number[] = [];
      const prepared = [accepted(0, withId(base, 'plain-000001')), accepted(1, withId(base, 'plain-000002')), parseRejected(2)];
      const counts = await commitBatch(store.db, { runId, from: 0, to: 3, files: 3, prepared, policy: 'none', dryRun: false }, (n) => progress.push(n));
      expect(counts).toMatchObject({ created: 2, rejected: 1 });
      // The articles, then the quarantine entries.
      expect(progress).toEqual([2, 3]);
    });
  });
}
