import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startImport } from '../../src/client.js';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { startWorker } from '../../src/worker.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

// A Temporal server someone else started, without Pressroom's search attributes: every workflow's
// first task would fail on its upsert, and be retried forever. The worker registers them first.
describe('a worker on a namespace without Pressroom search attributes', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-sa-'));
  let server: DevServer;

  beforeAll(async () => {
    server = await startDevServer({ headless: true, logFile: join(root, 'temporal.log'), startTimeoutMs: 90_000 });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('registers them at start-up, and an import then completes', async () => {
    const connection = await Connection.connect({ address: server.address });
    try {
      const before = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(before.customAttributes ?? {}).not.toHaveProperty(name);

      const backend = backends()[0]!;
      const database = await backend.create();
      const config = { ...testConfig(database.config), temporal: { ...testConfig(database.config).temporal, address: server.address } };
      const worker = await startWorker(config, { workflowBundle: workflowBundle(), http: false });
      const client = await connectClient(config);
      try {
        const after = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(after.customAttributes ?? {}).toHaveProperty(name);

        const corpus = writeCorpus(join(root, 'corpus'), { seed: 5, count: 12 });
        const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: 5, concurrency: 2, dryRun: false });
        const report = await Promise.race([
          handle.result(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the import did not complete within 60 s')), 60_000).unref()),
        ]);
        expect(report).toMatchObject({ status: 'completed', counts: { created: 12, rejected: 0 } });
        const description = await handle.describe();
        expect(description.searchAttributes).toMatchObject({ PressroomKind: ['import'] });
      } finally {
        await client.close();
        await worker.shutdown();
        await database.cleanup();
      }
    } finally {
      await connection.close();
    }
  });
});
