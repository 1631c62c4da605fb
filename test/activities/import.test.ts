import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportActivities, type BatchHeartbeat } from '../../src/activities/import.js';
import { ZERO_COUNTS, type ImportCounts } from '../../src/domain/import/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { writeCorpus, type Corpus } from '../helpers/corpus.js';

describe('import activities (MockActivityEnvironment, real PGlite store)', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-act-'));
  let store: Store;
  let corpus: Corpus;
  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dataDir: join(root, 'db') });
    corpus = writeCorpus(join(root, 'corpus'), { seed: 61, count: 20, badRatio: 0.2 });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the source once; a retried listing reuses the manifest', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const env = new MockActivityEnvironment();
    const input = { importRunId: 'run-list', workflowId: 'wf', paths: [corpus.dir], dryRun: false };
    expect(await env.run(activities.listSource, input)).toEqual({ total: 20 });
    expect(await env.run(activities.listSource, input)).toEqual({ total: 20 });
    const [n] = await store.db.query<{ n: number }>("SELECT count(*) AS n FROM import_items WHERE run_id = 'run-list'");
    expect(n?.n).toBe(20);
  });

  it('a missing source is a non-retryable SourceNotFound', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const error = await new MockActivityEnvironment()
      .run(activities.listSource, { importRunId: 'run-missing', workflowId: 'wf', paths: [join(root, 'nope')], dryRun: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'SourceNotFound', nonRetryable: true });
    expect((error as Error).message).toContain(join(root, 'nope'));
  });

  it('commits a batch once, heartbeats "committed", and a retry only reports the committed counts', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'run-b', workflowId: 'wf', paths: [corpus.dir], dryRun: false });
    const heartbeats: BatchHeartbeat[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: BatchHeartbeat) => heartbeats.push(d));
    const batch = { importRunId: 'run-b', from: 0, to: 10, dryRun: false };
    const counts = await env.run(activities.importBatch, batch);
    const bad = corpus.docs.slice(0, 10).filter((d) => d.expectBad !== null).length;
    expect(counts).toEqual({ ...ZERO_COUNTS, files: 10, documents: 10, created: 10 - bad, rejected: bad });
    expect(heartbeats.at(-1)).toEqual({ phase: 'committed', counts });
    // Reading heartbeats at most every 250 ms (not once per document): here, once, after the first item.
    const reading = heartbeats.filter((h) => h.phase === 'reading');
    expect(reading.length).toBeGreaterThanOrEqual(1);
    expect(reading.length).toBeLessThan(10);
    expect(reading[0]).toEqual({ phase: 'reading', read: 1 });

    // A retry (the activity's completion was lost): the marker row answers, nothing is written twice.
    expect(await new MockActivityEnvironment().run(activities.importBatch, batch)).toEqual(counts);
    const [results] = await store.db.query<{ n: number }>("SELECT count(*) AS n FROM import_results WHERE run_id = 'run-b'");
    expect(results?.n).toBe(10);
  });

  it('resumes from heartbeat details: a batch whose heartbeat says committed touches nothing', async () => {
    const untouchable = new Proxy({} as Store, {
      get() {
        throw new Error('the store must not be used');
      },
    });
    const activities = createImportActivities({ store: untouchable, reviewPolicy: 'none' });
    const counts = { ...ZERO_COUNTS, files: 3, documents: 3, unchanged: 3 };
    const env = new MockActivityEnvironment({ heartbeatDetails: { phase: 'committed', counts } satisfies BatchHeartbeat });
    expect(await env.run(activities.importBatch, { importRunId: 'x', from: 0, to: 3, dryRun: false })).toEqual(counts);
  });

  it('a cancelled batch stops before its commit and leaves nothing written', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'run-c', workflowId: 'wf', paths: [corpus.dir], dryRun: false });
    const env = new MockActivityEnvironment();
    env.on('heartbeat', () => env.cancel());
    const error = await env.run(activities.importBatch, { importRunId: 'run-c', from: 0, to: 10, dryRun: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    const [batches] = await store.db.query<{ n: number }>("SELECT count(*) AS n FROM import_batches WHERE run_id = 'run-c'");
    expect(batches?.n).toBe(0);
  });

  it('a batch started ahead of the listing waits for its entries, then imports them like any batch', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const heartbeats: BatchHeartbeat[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: BatchHeartbeat) => heartbeats.push(d));
    const batch = env.run(activities.importBatch, { importRunId: 'run-ahead', from: 0, to: 10, dryRun: false, awaitListing: true });
    for (let i = 0; i < 100 && heartbeats.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heartbeats[0]).toEqual({ phase: 'awaiting listing', listed: 0 });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'run-ahead', workflowId: 'wf', paths: [corpus.dir], dryRun: false });
    const counts = (await batch) as ImportCounts;
    // The same documents as run-b's batch: created, or unchanged when that test stored them first.
    const bad = corpus.docs.slice(0, 10).filter((d) => d.expectBad !== null).length;
    expect(counts).toMatchObject({ files: 10, documents: 10, updated: 0, rejected: bad });
    expect(counts.created + counts.unchanged).toBe(10 - bad);
    expect(heartbeats.at(-1)).toEqual({ phase: 'committed', counts });
  });

  it('a batch started ahead of a listing that ended short of it takes what is there, or nothing', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'run-short', workflowId: 'wf', paths: [corpus.dir], dryRun: false });
    const ahead = (from: number, to: number) =>
      new MockActivityEnvironment().run(activities.importBatch, { importRunId: 'run-short', from, to, dryRun: false, awaitListing: true });
    expect(await ahead(15, 25)).toMatchObject({ files: 5, documents: 5 });
    expect(await ahead(20, 30)).toEqual(ZERO_COUNTS);
    // The marker row holds the range the batch imported; past the total nothing is recorded.
    const markers = await store.db.query<{ from_seq: number; to_seq: number }>("SELECT from_seq, to_seq FROM import_batches WHERE run_id = 'run-short'");
    expect(markers).toEqual([{ from_seq: 15, to_seq: 20 }]);
  });

  it('a batch waiting for a listing stops when cancelled, with nothing written', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const env = new MockActivityEnvironment();
    env.on('heartbeat', () => env.cancel());
    const error = await env
      .run(activities.importBatch, { importRunId: 'run-never-listed', from: 0, to: 10, dryRun: false, awaitListing: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    const [batches] = await store.db.query<{ n: number }>("SELECT count(*) AS n FROM import_batches WHERE run_id = 'run-never-listed'");
    expect(batches?.n).toBe(0);
  });

  it('a database outage is a retryable DatabaseUnavailable, not a bad document', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const broken = { ...store, imports: { ...store.imports, committedBatch: () => Promise.reject(refused) } } as Store;
    const activities = createImportActivities({ store: broken, reviewPolicy: 'none' });
    const error = await new MockActivityEnvironment()
      .run(activities.importBatch, { importRunId: 'run-b', from: 10, to: 20, dryRun: false })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'DatabaseUnavailable', nonRetryable: false });
    expect((error as Error).message).toMatch(/database unavailable while importing batch 10-20 .*ECONNREFUSED.*retryable/);
  });

  it('quarantines oversize documents by path, size and sha256, without their bytes', async () => {
    const dir = join(root, 'oversize');
    mkdirSync(dir);
    const bigFile = 'x'.repeat(5_000);
    const bigLine = 'y'.repeat(3_000);
    writeFileSync(join(dir, 'big.txt'), bigFile);
    writeFileSync(join(dir, 'lines.ndjson'), `${bigLine}\n`);
    const activities = createImportActivities({ store, reviewPolicy: 'none', maxDocumentBytes: 1_000 });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'run-o', workflowId: 'wf', paths: [dir], dryRun: false });
    const counts = await new MockActivityEnvironment().run(activities.importBatch, { importRunId: 'run-o', from: 0, to: 2, dryRun: false });
    expect(counts).toMatchObject({ files: 2, documents: 2, rejected: 2 });
    const rows = await store.db.query<{ path: string; line: number; size: number; sha256: string; raw: Uint8Array | null; errors: unknown }>(
      "SELECT path, line, size, sha256, raw, errors FROM rejections WHERE last_run_id = 'run-o' ORDER BY path",
    );
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(rows).toEqual([
      {
        path: join(dir, 'big.txt'),
        line: 0,
        size: 5_000,
        sha256: sha(bigFile),
        raw: null,
        errors: [{ field: 'document', message: expect.stringMatching(/over the limit/) }],
      },
      {
        path: join(dir, 'lines.ndjson'),
        line: 1,
        size: 3_000,
        sha256: sha(bigLine),
        raw: null,
        errors: [{ field: 'document', message: expect.stringMatching(/^line 1 is .* over the limit/) }],
      },
    ]);
  });
});
