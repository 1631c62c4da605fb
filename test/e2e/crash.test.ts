import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, importProgress, startImport } from '../../src/client.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startWorker } from '../../src/worker.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, uniqueQueue, workflowBundle } from '../helpers/temporal.js';
import { spawnWorker } from '../helpers/worker-process.js';

const DOCS = 2_000;

/** Everything an import leaves behind that must not depend on whether the worker crashed. */
async function snapshot(store: Store, runId: string) {
  const [dupes] = await store.db.query<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT source_id) AS d FROM articles');
  const [revisions] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM article_revisions');
  const [results] = await store.db.query<{ n: number; d: number }>(
    'SELECT count(*) AS n, count(DISTINCT (seq, line)) AS d FROM import_results WHERE run_id = $1',
    [runId],
  );
  const [rejections] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM rejections');
  return { articles: await store.articles.fingerprint(), articleRows: dupes, revisions: revisions?.n, results, rejections: rejections?.n };
}

for (const backend of backends()) {
  describe(`crash: SIGKILL the worker in the middle of a ${DOCS}-document import (${backend.name})`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-crash-'));
    const databases: TestDatabase[] = [];
    afterAll(async () => {
      for (const d of databases) await d.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    it('a new worker finishes it, and the database equals an uninterrupted import with zero duplicates', async () => {
      const corpus = writeCorpus(join(root, 'corpus'), { seed: 21, count: DOCS, badRatio: 0.05 });

      // The reference: the same import, never interrupted, into a database of its own.
      const reference = await backend.create();
      databases.push(reference);
      const refConfig = testConfig(reference.config);
      const refWorker = await startWorker(refConfig, { workflowBundle: workflowBundle(), http: false });
      const refClient = await connectClient(refConfig);
      const refReport = await (await startImport(refClient, { paths: [corpus.dir], batchSize: 50, concurrency: 2 })).handle.result();
      await refClient.close();
      const expected = await snapshot(refWorker.store, refReport.importRunId);
      await refWorker.shutdown();
      expect(refReport.counts).toMatchObject({ files: DOCS, created: corpus.good.length, rejected: corpus.bad.length });

      // The crash: a worker process killed with SIGKILL while batches are in flight.
      const database = await backend.create();
      databases.push(database);
      const config = testConfig(database.config);
      const taskQueue = config.temporal.taskQueue ?? uniqueQueue('crash');
      const first = await spawnWorker({ temporalAddress: config.temporal.address, taskQueue, database: database.config });
      const client = await connectClient(config);
      const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: 50, concurrency: 2 });
      let processedAtKill = 0;
      for (let i = 0; i < 600; i++) {
        const progress = await importProgress(client, handle.workflowId).catch(() => undefined);
        if (progress && progress.processed >= 300) {
          processedAtKill = progress.processed;
          break;
        }
        await sleep(50);
      }
      first.child.kill('SIGKILL');
      await first.exited;
      expect(processedAtKill).toBeGreaterThanOrEqual(300);
      expect(processedAtKill).toBeLessThan(DOCS);

      const second = await spawnWorker({ temporalAddress: config.temporal.address, taskQueue, database: database.config });
      const report = await handle.result();
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      await client.close();

      expect(report.counts).toEqual(refReport.counts);
      const store = await openStore(database.config);
      try {
        const actual = await snapshot(store, report.importRunId);
        expect(actual.articleRows).toEqual({ n: corpus.good.length, d: corpus.good.length });
        expect(actual.results).toEqual({ n: DOCS, d: DOCS });
        expect(actual).toEqual(expected);
      } finally {
        await store.close();
      }
    }, 300_000);
  });
}

describe('graceful shutdown: SIGTERM in the middle of an import (pglite)', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-term-'));
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('the worker drains, closes the database and exits 0; the next worker finishes the import exactly', async () => {
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 22, count: 1_000, badRatio: 0.05 });
    database = await backends()[0]!.create();
    const config = testConfig(database.config);
    const taskQueue = config.temporal.taskQueue;
    const first = await spawnWorker({ temporalAddress: config.temporal.address, taskQueue, database: database.config });
    const client = await connectClient(config);
    const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: 25, concurrency: 2 });
    for (let i = 0; i < 600; i++) {
      const progress = await importProgress(client, handle.workflowId).catch(() => undefined);
      if (progress && progress.processed >= 100) break;
      await sleep(25);
    }
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // The database was closed cleanly: the lock file is gone, so the next opener needs no takeover.
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(database.config.kind === 'pglite' ? database.config.dataDir : '', 'pressroom.lock'))).toBe(false);

    const second = await spawnWorker({ temporalAddress: config.temporal.address, taskQueue, database: database.config });
    const report = await handle.result();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await client.close();
    expect(report.counts).toEqual({ files: 1_000, documents: 1_000, created: corpus.good.length, updated: 0, unchanged: 0, rejected: corpus.bad.length });
    const store = await openStore(database.config);
    try {
      const [results] = await store.db.query<{ n: number; d: number }>(
        'SELECT count(*) AS n, count(DISTINCT (seq, line)) AS d FROM import_results WHERE run_id = $1',
        [report.importRunId],
      );
      expect(results).toEqual({ n: 1_000, d: 1_000 });
    } finally {
      await store.close();
    }
  }, 180_000);
});
