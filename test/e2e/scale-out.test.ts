import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, importProgress, startImport } from '../../src/client.js';
import { openStore } from '../../src/store/index.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

const postgres = backends().find((b) => b.name === 'postgres');
const DOCS = 5_000;
const BATCH = 25;
const WORKERS = 3;

/** importBatch activities of every run of the chain, by the identity of the worker whose attempt finished them. */
async function batchesByWorker(client: Client, workflowId: string, firstRunId: string): Promise<Map<string, number>> {
  const byWorker = new Map<string, number>();
  let runId: string | undefined = firstRunId;
  while (runId !== undefined) {
    const history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>> = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const batchEvents = new Set<string>();
    let next: string | undefined;
    for (const event of history.events ?? []) {
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'importBatch') batchEvents.add(String(event.eventId));
      const started = event.activityTaskStartedEventAttributes;
      if (started && batchEvents.has(String(started.scheduledEventId))) {
        const who = started.identity ?? '';
        byWorker.set(who, (byWorker.get(who) ?? 0) + 1);
      }
      next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? next;
    }
    runId = next;
  }
  return byWorker;
}

// Several worker processes share one PostgreSQL (a PGlite database belongs to one process): runs
// whenever TEST_DATABASE_URL is set (always in CI).
describe.runIf(postgres)(`scale-out: ${WORKERS} worker processes on one task queue, one killed mid-import (postgres)`, () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-scale-'));
  let database: TestDatabase | undefined;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('every worker runs batches; after a SIGKILL the others finish with exact counts and nothing duplicated', async () => {
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 41, count: DOCS, badRatio: 0.02 });
    database = await postgres!.create();
    const config = testConfig(database.config);
    const taskQueue = config.temporal.taskQueue;
    const spawned = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        spawnWorker({ temporalAddress: config.temporal.address, taskQueue, database: database!.config, workflowBundle: workflowBundle().codePath }),
      ),
    );
    workers.push(...spawned);
    const identity = (w: WorkerProcess) => `${w.child.pid}@${hostname()}`;
    const victim = spawned[0]!;

    const client = await connectClient(config);
    try {
      // Enough batches in flight for every worker to hold some at once.
      const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: BATCH, concurrency: WORKERS * 2 });
      const firstRunId = (await handle.describe()).runId;

      // Kill the victim once a fifth is done and it holds a started batch: work it had is lost with it.
      let processedAtKill = -1;
      for (let i = 0; i < 1_200 && processedAtKill < 0; i++) {
        const progress = await importProgress(client, handle.workflowId).catch(() => undefined);
        if (progress && progress.processed >= DOCS / 5) {
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          if (pending.some((a) => a.activityType?.name === 'importBatch' && a.lastWorkerIdentity === identity(victim))) processedAtKill = progress.processed;
        }
        if (processedAtKill < 0) await sleep(25);
      }
      victim.child.kill('SIGKILL');
      await victim.exited;
      expect(processedAtKill).toBeGreaterThanOrEqual(DOCS / 5);
      expect(processedAtKill).toBeLessThan(DOCS);

      const report = await handle.result();
      expect(report.status).toBe('completed');
      expect(report.counts).toEqual({ files: DOCS, documents: DOCS, created: corpus.good.length, updated: 0, unchanged: 0, rejected: corpus.bad.length });

      const byWorker = await batchesByWorker(client.client, handle.workflowId, firstRunId);
      for (const w of spawned) expect(byWorker.get(identity(w)) ?? 0, `batches run by worker ${identity(w)}`).toBeGreaterThan(0);
      expect([...byWorker.values()].reduce((a, b) => a + b, 0)).toBe(DOCS / BATCH);

      const store = await openStore(database.config);
      try {
        const [articles] = await store.db.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT source_id)::int AS d FROM articles');
        expect(articles).toEqual({ n: corpus.good.length, d: corpus.good.length });
        const [revisions] = await store.db.query<{ n: number; d: number; first: number }>(
          'SELECT count(*)::int AS n, count(DISTINCT source_id)::int AS d, count(*) FILTER (WHERE revision = 1)::int AS first FROM article_revisions',
        );
        expect(revisions).toEqual({ n: corpus.good.length, d: corpus.good.length, first: corpus.good.length });
        const [results] = await store.db.query<{ n: number; d: number }>(
          'SELECT count(*)::int AS n, count(DISTINCT (seq, line))::int AS d FROM import_results WHERE run_id = $1',
          [report.importRunId],
        );
        expect(results).toEqual({ n: DOCS, d: DOCS });
        const [batches] = await store.db.query<{ n: number; d: number }>(
          'SELECT count(*)::int AS n, count(DISTINCT from_seq)::int AS d FROM import_batches WHERE run_id = $1',
          [report.importRunId],
        );
        expect(batches).toEqual({ n: DOCS / BATCH, d: DOCS / BATCH });
        const [rejections] = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM rejections WHERE resolved_at IS NULL');
        expect(rejections?.n).toBe(corpus.bad.length);
      } finally {
        await store.close();
      }
    } finally {
      await client.close();
    }
    for (const w of spawned.slice(1)) {
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    }
  }, 150_000);
});
