import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, runReview, startImport, type PressroomClient } from '../../src/client.js';
import type { Config } from '../../src/config.js';
import { sourceDigest } from '../../src/domain/article/index.js';
import type { RejectionRow, ResultRow } from '../../src/store/imports.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { rewrite, writeCorpus, type Corpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

const SEED = 11;

for (const backend of backends()) {
  describe(`import end to end: dev server + worker + ${backend.name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-import-'));
    let database: TestDatabase;
    let config: Config;
    let worker: RunningWorker;
    let client: PressroomClient;
    let corpus: Corpus;

    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${worker.httpUrl}${path}`);
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };
    const importDir = async (paths: string[], extra: { dryRun?: boolean; id?: string } = {}) => {
      const { handle } = await startImport(client, { paths, batchSize: 16, concurrency: 3, dryRun: extra.dryRun ?? false }, extra.id ? { id: extra.id } : {});
      return await handle.result();
    };

    beforeAll(async () => {
      database = await backend.create();
      config = testConfig(database.config);
      worker = await startWorker(config, { workflowBundle: workflowBundle() });
      client = await connectClient(config);
      corpus = writeCorpus(join(root, 'corpus'), { seed: SEED, count: 120, badRatio: 0.15 });
    });
    afterAll(async () => {
      await client?.close();
      await worker?.shutdown();
      await database?.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    it('imports a corpus with malformed documents: exact counts, exact articles, rejections naming the right fields', async () => {
      expect(corpus.bad.length).toBeGreaterThanOrEqual(15);
      const report = await importDir([corpus.dir]);
      expect(report).toMatchObject({
        status: 'completed',
        dryRun: false,
        total: 120,
        counts: { files: 120, documents: 120, created: corpus.good.length, updated: 0, unchanged: 0, rejected: corpus.bad.length },
      });

      const { total } = await api<{ total: number }>('/articles?limit=1');
      expect(total).toBe(corpus.good.length);
      const sample = corpus.good[3]!;
      const stored = await api<{ currentRevision: number; revisions: Array<{ article: unknown }> }>(`/articles/${sample.sourceId}`);
      expect(stored.currentRevision).toBe(1);
      expect(stored.revisions[0]?.article).toEqual(sample.expected);

      const { rejections } = await api<{ rejections: RejectionRow[] }>('/rejections?limit=1000');
      expect(rejections).toHaveLength(corpus.bad.length);
      for (const doc of corpus.bad) {
        const entry = rejections.find((r) => r.path === join(corpus.dir, doc.fileName));
        expect(entry, doc.fileName).toBeDefined();
        expect(
          entry!.errors.map((e) => e.field),
          `${doc.fileName} (${doc.expectBad})`,
        ).toContain(doc.expectField);
        expect(entry!.hasRaw).toBe(true);
      }
    });

    it('applies the review policy: flagged articles wait for review, and review approves them', async () => {
      const flagged = corpus.good.filter((d) => d.expected?.meta.flags?.needsHumanReview === true).map((d) => d.sourceId);
      const { total, articles } = await api<{ total: number; articles: Array<{ sourceId: string }> }>('/articles?reviewState=pending&limit=1000');
      expect(articles.map((a) => a.sourceId).sort()).toEqual(flagged.sort());
      expect(total).toBe(flagged.length);
      if (flagged.length > 0) {
        const result = await runReview(client, { decision: 'approve', sourceIds: [flagged[0]!, 'no-such-article'], reviewer: 'test' });
        expect(result).toEqual({ decision: 'approve', changed: [flagged[0]], unknown: ['no-such-article'] });
        const after = await api<{ reviewState: string }>(`/articles/${flagged[0]}`);
        expect(after.reviewState).toBe('approved');
      }
    });

    it('a second import of the same source changes nothing, knowing every document by the digest of its bytes', async () => {
      // The first import stored each article with the digest of its file's bytes: what the second one looks up instead of parsing.
      const digests = await worker.store.db.query<{ source_id: string; source_digest: string | null }>('SELECT source_id, source_digest FROM articles');
      expect(digests).toHaveLength(corpus.good.length);
      for (const doc of corpus.good) {
        const bytes = readFileSync(join(corpus.dir, doc.fileName));
        const expected = sourceDigest('export', createHash('sha256').update(bytes).digest('hex'));
        expect(digests.find((d) => d.source_id === doc.sourceId)?.source_digest).toBe(expected);
      }
      expect((await worker.store.articles.knownDigests(digests.map((d) => d.source_digest ?? ''))).size).toBe(corpus.good.length);
      const before = await worker.store.articles.fingerprint();
      const report = await importDir([corpus.dir]);
      expect(report.counts).toEqual({ files: 120, documents: 120, created: 0, updated: 0, unchanged: corpus.good.length, rejected: corpus.bad.length });
      expect(await worker.store.articles.fingerprint()).toEqual(before);
      const { total } = await api<{ total: number }>('/rejections');
      expect(total).toBe(corpus.bad.length);
    });

    it('a dry run reports the plan, with the fields that change, and writes nothing', async () => {
      const changed = rewrite(corpus.dir, SEED, corpus.good[0]!.index, 1);
      const before = await worker.store.articles.fingerprint();
      const report = await importDir([corpus.dir], { dryRun: true });
      expect(report).toMatchObject({ dryRun: true, counts: { updated: 1, created: 0, unchanged: corpus.good.length - 1, rejected: corpus.bad.length } });
      expect(await worker.store.articles.fingerprint()).toEqual(before);
      const { results } = await api<{ results: ResultRow[] }>(`/imports/${report.importRunId}/results?outcome=updated`);
      expect(results).toHaveLength(1);
      expect(results[0]?.sourceId).toBe(changed.sourceId);
      expect(results[0]?.changedFields?.length).toBeGreaterThan(0);
      expect(results[0]?.changedFields?.every((f) => /^(title|lede|sections|meta\.\w+)$/.test(f))).toBe(true);
    });

    it('a changed document becomes updated with both revisions kept, and a fixed one resolves its quarantine entry', async () => {
      const changed = synthesizedChange(corpus);
      const fixedIndex = corpus.bad[0]!.index;
      const fixed = rewrite(corpus.dir, SEED, fixedIndex, 0);
      const report = await importDir([corpus.dir]);
      expect(report.counts).toMatchObject({ created: 1, updated: 1, unchanged: corpus.good.length - 1, rejected: corpus.bad.length - 1 });

      const stored = await api<{ currentRevision: number; revisions: Array<{ revision: number; article: unknown }> }>(`/articles/${changed.sourceId}`);
      expect(stored.currentRevision).toBe(2);
      expect(stored.revisions.map((r) => r.revision)).toEqual([1, 2]);
      expect(stored.revisions[0]?.article).toEqual(corpus.good[0]!.expected);
      expect(stored.revisions[1]?.article).toEqual(changed.expected);

      const open = await api<{ rejections: RejectionRow[] }>('/rejections?limit=1000');
      expect(open.rejections.some((r) => r.path === join(corpus.dir, fixed.fileName))).toBe(false);
      const all = await api<{ rejections: RejectionRow[] }>('/rejections?all=true&limit=1000');
      const resolved = all.rejections.find((r) => r.path === join(corpus.dir, fixed.fileName));
      expect(resolved?.resolvedByRun).toBe(report.importRunId);
    });

    it('overlapping imports running at once never duplicate an article', async () => {
      const a = writeCorpus(join(root, 'a'), { seed: 99, count: 60, from: 1000 });
      const b = writeCorpus(join(root, 'b'), { seed: 99, count: 60, from: 1030 });
      const [ra, rb] = await Promise.all([importDir([a.dir]), importDir([b.dir])]);
      expect(ra.counts.created + rb.counts.created).toBe(90);
      expect(ra.counts.unchanged + rb.counts.unchanged).toBe(30);
      const rows = await worker.store.db.query<{ n: number; distinct_ids: number }>(
        "SELECT count(*) AS n, count(DISTINCT source_id) AS distinct_ids FROM articles WHERE source_id >= 'alphanode-001000'",
      );
      expect(rows[0]).toEqual({ n: 90, distinct_ids: 90 });
    });

    it('starting an import whose id is running attaches to it', async () => {
      const big = writeCorpus(join(root, 'big'), { seed: 5, count: 400, from: 5000 });
      const first = await startImport(client, { paths: [big.dir], batchSize: 10, concurrency: 1 });
      const second = await startImport(client, { paths: [big.dir], batchSize: 10, concurrency: 1 });
      expect(first.attached).toBe(false);
      expect(second.attached).toBe(true);
      expect(second.handle.workflowId).toBe(first.handle.workflowId);
      // What the Web UI shows: a readable id and a summary of the input.
      const description = await first.handle.describe();
      expect(first.handle.workflowId).toMatch(/^import-[0-9a-f]{12}$/);
      expect(await description.staticSummary()).toBe(`Import of ${big.dir}`);
      expect(await description.staticDetails()).toContain('batch size 10, concurrency 1');
      const report = await first.handle.result();
      expect(report.counts.created).toBe(400);
    });
  });
}

/** The document rewritten by the dry-run test: corpus.good[0], edition 1. */
function synthesizedChange(corpus: Corpus) {
  return rewrite(corpus.dir, SEED, corpus.good[0]!.index, 1);
}
