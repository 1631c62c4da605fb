import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { afterAll, describe, expect, it } from 'vitest';
import { createImportActivities, type BatchInput } from '../../src/activities/import.js';
import { connectClient, startImport } from '../../src/client.js';
import type { RunRow } from '../../src/store/imports.js';
import { startWorker } from '../../src/worker.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

// A workflow terminated through Temporal never runs its code again, so its import_runs row stayed
// `running` forever. Reading the run asks Temporal and records how the run really ended.

for (const backend of backends()) {
  describe(`an import terminated through Temporal (${backend.name})`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-terminated-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('reads back as terminated, after continue-as-new too, on GET /imports/:id and in the list', async () => {
      const database = await backend.create();
      const config = testConfig(database.config);
      let entered!: () => void;
      const blocked = new Promise<void>((resolve) => (entered = resolve));
      // Batches from item 4 on hang (until cancelled), so the third run of the chain is still running when terminated.
      const worker = await startWorker(config, {
        workflowBundle: workflowBundle(),
        activities: (store) => {
          const real = createImportActivities({ store, reviewPolicy: config.reviewPolicy });
          return {
            async importBatch(input: BatchInput) {
              if (input.from < 4) return real.importBatch(input);
              entered();
              const signal = Context.current().cancellationSignal;
              return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
            },
          };
        },
      });
      const client = await connectClient(config);
      try {
        const corpus = writeCorpus(join(root, 'corpus'), { seed: 9, count: 8 });
        const workflowId = `import-terminated-${randomUUID().slice(0, 8)}`;
        const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: 2, concurrency: 1, maxBatchesPerRun: 1 }, { id: workflowId });
        await Promise.race([blocked, sleep(60_000).then(() => Promise.reject(new Error('the import never reached its hanging batch')))]);

        const get = async (path: string) => {
          const res = await fetch(`${worker.httpUrl}${path}`);
          expect(res.status, path).toBe(200);
          return res.json();
        };
        const before = (await get(`/imports/${workflowId}`)) as RunRow;
        expect(before.status).toBe('running');
        const description = await handle.describe();
        expect(description.runId, 'the chain continued as new before it hung').not.toBe(before.runId);

        await client.client.workflow.getHandle(workflowId).terminate('operator terminated it in the Web UI');
        const after = (await get(`/imports/${workflowId}`)) as RunRow;
        expect(after).toMatchObject({ runId: before.runId, workflowId, status: 'terminated' });
        expect(after.finishedAt).not.toBeNull();
        const { imports } = (await get('/imports')) as { imports: RunRow[] };
        expect(imports.find((r) => r.runId === before.runId)?.status).toBe('terminated');
        // Stored, not only shown: the row itself now says so.
        const [row] = await worker.store.db.query<{ status: string }>('SELECT status FROM import_runs WHERE run_id = $1', [before.runId]);
        expect(row?.status).toBe('terminated');
      } finally {
        await client.close();
        await worker.shutdown();
        await database.cleanup();
      }
    });
  });
}
