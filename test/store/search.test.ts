import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VERIFY, PLAN_CHECK_MIN_DOCUMENTS } from '../../src/domain/search/input.js';
import { SEARCH_CANDIDATES } from '../../src/domain/search/query.js';
import { fillGeneration, storeSimilar, verifyGeneration } from '../../src/search/reindex.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ReindexInProgressError, SearchIndexNotFoundError, generationTable } from '../../src/store/search.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { releaseAll, seedSynth } from '../helpers/search-fixtures.js';

// The search store on both databases, one story in order: a generation is built beside nothing, then
// beside a live one; catch-up applies a release made meanwhile; a document PostgreSQL refuses is
// isolated and recorded; swaps keep two generations; rollback goes back; hostile queries never fail.

const ARTICLES = PLAN_CHECK_MIN_DOCUMENTS + 500;

/** A paragraph of distinct made-up words, too many for one tsvector (PostgreSQL's limit is 1 MB). */
function hugeParagraph(): string {
  const words: string[] = [];
  for (let i = 0; i < 130_000; i++) words.push(`w${i.toString(36)}q${(i * 7919).toString(36)}`);
  return words.join(' ');
}

for (const backend of backends()) {
  describe(`search store on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    const build = async (workflowId: string) => {
      const { generation } = await store.search.createGeneration(workflowId);
      await fillGeneration(store, generation.id, { batchSize: 1_000 });
      await store.search.indexGeneration(generation.id);
      await storeSimilar(store, generation.id);
      await store.search.catchUp(generation.id);
      return generation.id;
    };

    it('refuses to start a generation before production has a release, and search says there is no index', async () => {
      await expect(store.search.createGeneration('wf-0')).rejects.toThrow(SearchIndexNotFoundError);
      await expect(store.search.search({ q: 'jobs', page: 1 })).rejects.toThrow(/no search index yet/);
      expect(await store.search.generations()).toEqual([]);
    });

    it('builds generation 1 in resumable batches, one builder at a time, and verifies it: counts, golden titles, the GIN index in the plan', async () => {
      await seedSynth(store.db, { count: ARTICLES });
      const releaseId = await releaseAll(store);
      const begun = await store.search.createGeneration('wf-1');
      expect(begun).toMatchObject({ created: true, total: ARTICLES, generation: { id: 1, status: 'building', watermark: { releaseId } } });
      // The same workflow (a retried activity) finds its generation; another is refused, naming the builder.
      expect(await store.search.createGeneration('wf-1')).toMatchObject({ created: false, generation: { id: 1 } });
      await expect(store.search.createGeneration('wf-other')).rejects.toThrow(ReindexInProgressError);
      await expect(store.search.createGeneration('wf-other')).rejects.toThrow(/workflow wf-1 is building generation 1/);

      // Two batches, then a "crash": the next attempt resumes after the last batch written.
      const partial = await fillGeneration(store, 1, { batchSize: 1_000, maxBatches: 2 });
      expect(partial).toMatchObject({ written: 2_000, finished: false });
      const rest = await fillGeneration(store, 1, { batchSize: 1_000, resume: partial });
      expect(rest).toMatchObject({ written: ARTICLES, failed: 0, finished: true });
      await store.search.indexGeneration(1);
      expect(await storeSimilar(store, 1)).toBe(ARTICLES);

      const { report, measured } = await verifyGeneration(store, 1, DEFAULT_VERIFY);
      expect(report.checks.filter((c) => !c.passed)).toEqual([]);
      expect(measured).toMatchObject({
        documents: ARTICLES,
        productionArticles: ARTICLES,
        failed: 0,
        plan: { skipped: false, usingIndex: DEFAULT_VERIFY.goldenQueries },
      });
      expect(measured.golden.found).toBeGreaterThan(0);

      const swapped = await store.search.swap(1, report);
      expect(swapped).toMatchObject({ from: null, to: 1 });
      const result = await store.search.search({ q: 'background jobs', page: 1 });
      expect(result).toMatchObject({ generation: 1, page: 1, pageSize: 10 });
      expect(result.hits).toHaveLength(10);
      expect(result.total).toBeGreaterThan(10);
    });

    it('a broad query ranks at most SEARCH_CANDIDATES matches, and pages past the end are empty with the total kept', async () => {
      const broad = await store.search.search({ q: 'team', page: 1 });
      expect(broad.total).toBe(SEARCH_CANDIDATES);
      expect(broad.capped).toBe(true);
      const past = await store.search.search({ q: 'background jobs', page: 100 });
      expect(past.hits).toEqual([]);
      expect(past.total).toBeGreaterThan(0);
    });

    it('catch-up applies a release made while a generation was built, and the swap moves the alias in one step', async () => {
      const id = (await store.search.createGeneration('wf-2')).generation.id;
      await fillGeneration(store, id, { batchSize: 2_000 });
      await store.search.indexGeneration(id);
      await storeSimilar(store, id);
      // Production moves on: three articles get new titles.
      await seedSynth(store.db, { from: 0, count: 3, edit: (a) => ({ ...a, title: `${a.title} ytterbium` }) });
      const second = await releaseAll(store);
      const caught = await store.search.catchUp(id);
      expect(caught).toMatchObject({ upserted: 3, removed: 0, watermark: { releaseId: second } });
      expect(await store.search.withoutSimilar(id)).toHaveLength(3);
      expect(await storeSimilar(store, id, { onlyMissing: true })).toBe(3);
      // Not live yet: search still reads generation 1, which has not heard of it.
      expect((await store.search.search({ q: 'ytterbium', page: 1 })).total).toBe(0);
      expect((await store.search.searchGeneration(id, { q: 'ytterbium', page: 1 })).total).toBe(3);
      const { report } = await verifyGeneration(store, id, DEFAULT_VERIFY);
      expect(report.passed).toBe(true);
      expect(await store.search.swap(id, report)).toMatchObject({ from: 1, to: id, caughtUp: { upserted: 0, removed: 0 } });
      expect((await store.search.search({ q: 'ytterbium', page: 1 })).total).toBe(3);
      expect((await store.search.generations()).map((g) => [g.id, g.status, g.live])).toEqual([
        [2, 'live', true],
        [1, 'kept', false],
      ]);
    });

    it('incremental brings the live generation to production, writing only what changed', async () => {
      await seedSynth(store.db, { from: 10, count: 2, edit: (a) => ({ ...a, title: `${a.title} lutetium` }) });
      const third = await releaseAll(store);
      const applied = await store.search.applyIncremental();
      expect(applied).toMatchObject({ generation: 2, upserted: 2, removed: 0, watermark: { releaseId: third } });
      expect((await store.search.search({ q: 'lutetium', page: 1 })).total).toBe(2);
      expect(await store.search.applyIncremental()).toMatchObject({ upserted: 0, removed: 0 });
    });

    it('a document PostgreSQL refuses is isolated and recorded; verification names it and the generation is dropped unswapped', async () => {
      await seedSynth(store.db, {
        from: 20,
        count: 1,
        edit: (a) => ({ ...a, sections: [{ heading: 'enormous', blocks: [{ type: 'paragraph', text: hugeParagraph() }] }] }),
      });
      await releaseAll(store);
      const id = (await store.search.createGeneration('wf-3')).generation.id;
      const filled = await fillGeneration(store, id, { batchSize: 2_000 });
      expect(filled).toMatchObject({ written: ARTICLES - 1, failed: 1 });
      await store.search.indexGeneration(id);
      const { report } = await verifyGeneration(store, id, DEFAULT_VERIFY);
      expect(report.passed).toBe(false);
      expect(report.checks.find((c) => c.name === 'failures')).toMatchObject({ passed: false, actual: '1 failed' });
      expect(report.checks.find((c) => c.name === 'count')).toMatchObject({ passed: false, actual: `${ARTICLES - 1} documents (-1)` });
      const [failure] = await store.db.query<{ source_id: string; error: string }>('SELECT source_id, error FROM search_failures WHERE generation = $1', [id]);
      expect(failure).toMatchObject({ source_id: 'alphanode-000020', error: expect.stringMatching(/too long for tsvector/) });
      await store.search.failGeneration(id, report);
      expect(await store.search.generation(id)).toMatchObject({ status: 'failed', live: false });
      await expect(store.db.query(`SELECT 1 FROM ${generationTable(id)}`)).rejects.toThrow(/does not exist/);
      expect(await store.search.liveGeneration()).toBe(2);
    });

    it('keeps two generations besides the live one, drops older ones, and rolls back to the previous', async () => {
      // Production without the refused document again, so the next generations verify.
      await seedSynth(store.db, { from: 20, count: 1, edit: (a) => ({ ...a, title: `${a.title} restored` }) });
      await releaseAll(store);
      for (const workflowId of ['wf-4', 'wf-5']) {
        const id = await build(workflowId);
        const { report } = await verifyGeneration(store, id, DEFAULT_VERIFY);
        await store.search.swap(id, report);
      }
      expect(await store.search.prune(2)).toEqual([1]);
      const statuses = (await store.search.generations()).map((g) => [g.id, g.status]);
      expect(statuses).toEqual([
        [5, 'live'],
        [4, 'kept'],
        [3, 'failed'],
        [2, 'kept'],
        [1, 'dropped'],
      ]);
      expect(await store.search.rollback()).toEqual({ from: 5, to: 4 });
      expect(await store.search.liveGeneration()).toBe(4);
      expect(await store.search.rollback()).toEqual({ from: 4, to: 2 });
      await expect(store.search.rollback()).rejects.toThrow(/no earlier generation is kept/);
    });

    it('hostile queries give results or nothing, never an error', async () => {
      for (const q of [
        '- - or',
        '"unbalanced quote',
        '<script>alert(1)</script>',
        "'; DROP TABLE articles; --",
        '!!!',
        'a & b | c',
        '\\',
        ':*',
        'x'.repeat(256),
      ]) {
        const result = await store.search.search({ q, page: 1 });
        expect(result.total, q).toBeGreaterThanOrEqual(0);
        for (const hit of result.hits) expect(hit.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
      }
      expect((await store.db.query('SELECT count(*) AS n FROM articles'))[0]).toBeDefined();
    });
  });
}
