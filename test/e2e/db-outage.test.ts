import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, importProgress, startImport } from '../../src/client.js';
import { openStore } from '../../src/store/index.js';
import { startWorker } from '../../src/worker.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const postgres = backends().find((b) => b.name === 'postgres');
const OUTAGE_MS = 20_000;

// Needs a PostgreSQL server to cut off: runs whenever TEST_DATABASE_URL is set (always in CI).
describe.runIf(postgres)('database outage: PostgreSQL cut off for 20 s in the middle of an import', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-outage-'));
  let database: TestDatabase | undefined;
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(process.env.TEST_DATABASE_URL ?? 'postgres://x:5432').port || 5432));
  afterAll(async () => {
    await proxy.stop();
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('retries through the outage with backoff and completes with exact counts and no duplicates', async () => {
    database = await postgres!.create();
    if (database.config.kind !== 'postgres') throw new Error('expected a PostgreSQL test database');
    const port = await proxy.start();
    const proxied = new URL(database.config.url);
    proxied.host = `127.0.0.1:${port}`;
    const config = testConfig({ kind: 'postgres', url: proxied.toString() });
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 31, count: 1_000, badRatio: 0.05 });

    const worker = await startWorker(config, { workflowBundle: workflowBundle(), http: false });
    const client = await connectClient(config);
    try {
      const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: 20, concurrency: 2 });
      for (let i = 0; i < 400; i++) {
        const progress = await importProgress(client, handle.workflowId).catch(() => undefined);
        if (progress && progress.processed >= 100) break;
        await sleep(25);
      }
      proxy.cut();
      const cutAt = Date.now();
      await sleep(OUTAGE_MS / 2);
      // Nothing moves while the database is gone.
      const during = await importProgress(client, handle.workflowId);
      expect(during.processed).toBeLessThan(1_000);
      await sleep(OUTAGE_MS / 2);
      proxy.restore();
      expect(Date.now() - cutAt).toBeGreaterThanOrEqual(OUTAGE_MS);

      const report = await handle.result();
      expect(report).toMatchObject({
        status: 'completed',
        counts: { files: 1_000, documents: 1_000, created: corpus.good.length, rejected: corpus.bad.length, updated: 0, unchanged: 0 },
      });
    } finally {
      await client.close();
      await worker.shutdown();
    }

    const store = await openStore(database.config);
    try {
      const [articles] = await store.db.query<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT source_id) AS d FROM articles');
      expect(articles).toEqual({ n: corpus.good.length, d: corpus.good.length });
      const [results] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM import_results');
      expect(results?.n).toBe(1_000);
      const [rejections] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM rejections');
      expect(rejections?.n).toBe(corpus.bad.length);
    } finally {
      await store.close();
    }
  }, 180_000);
});
