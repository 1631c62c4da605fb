// `pressroom import --wait` and `pressroom reindex --full --wait` across a restart of Temporal: the run
// completes on the restarted server, and the CLI reconnects and prints the report instead of exiting 1
// with "Failed to get Workflow execution history". Its own dev server, so restarting it disturbs no one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, runReview, startImport } from '../../src/client.js';
import { startRelease } from '../../src/client/release.js';
import type { Config } from '../../src/config.js';
import type { ImportReport } from '../../src/domain/import/index.js';
import type { ReindexReport } from '../../src/domain/search/input.js';
import { searchAttributeFlags } from '../../src/domain/names.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { freePort } from '../../src/temporal/ports.js';
import { previewRelease } from '../../src/release/build.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { approveReleaseUpdate } from '../../src/workflows/messages.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { reachStep } from '../helpers/release-e2e.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

describe('import --wait and reindex --wait when Temporal restarts mid-run', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-cli-restart-'));
  const dbFile = join(root, 'temporal.db');
  let port: number;
  let server: DevServer | undefined;
  let database: TestDatabase;
  let config: Config;
  let worker: RunningWorker | undefined;

  const start = async () =>
    (server = await startDevServer({
      port,
      dbFile,
      headless: true,
      searchAttributes: searchAttributeFlags(),
      logFile: join(root, 'temporal.log'),
      startTimeoutMs: 60_000,
    }));

  beforeAll(async () => {
    port = await freePort();
    await start();
    database = await backends()[0]!.create();
    config = testConfig(database.config, { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    worker = await startWorker(config, { workflowBundle: workflowBundle() });
  });
  afterAll(async () => {
    await worker?.shutdown().catch(() => undefined);
    await server?.stop();
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  /** The real `pressroom` binary against this server and worker, as a child with its output collected. */
  const cli = (args: string[], apiUrl = worker!.httpUrl) => {
    const child = spawn(process.execPath, ['bin/pressroom.mjs', ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: config.temporal.taskQueue, PRESSROOM_API_URL: apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, output, exited };
  };

  /** Stops the server for longer than the SDK's own gRPC retries (about 20 s), which hide a short outage from the CLI. */
  const outage = async () => {
    await server!.stop();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  };

  it('reconnects, keeps waiting and prints the report the import completed with', async () => {
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 51, count: 400, from: 30_000 });
    const { child, output, exited } = cli(['import', corpus.dir, '--wait', '--json', '--batch-size', '4', '--concurrency', '1']);

    // Mid-import: started, not finished.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(child.exitCode).toBeNull();
    await outage();
    expect(child.exitCode).toBeNull();
    await start();

    const code = await exited;
    expect(code, output.stderr).toBe(0);
    expect(output.stderr).toMatch(/lost Temporal at 127\.0\.0\.1:\d+ \(.*\); reconnecting and still waiting for import-/);
    const report = JSON.parse(output.stdout) as ImportReport;
    expect(report.status).toBe('completed');
    expect(report.counts).toMatchObject({ files: 400, created: 400 });
  }, 240_000);

  it('reindex --full --wait reconnects, keeps waiting and prints the report the reindex completed with', async () => {
    // Production needs a release to index: a small corpus, approved, released through the approval update.
    const corpus = writeCorpus(join(root, 'reindexed'), { seed: 57, count: 12, from: 40_000 });
    const pc = await connectClient(config);
    try {
      await (await startImport(pc, { paths: [corpus.dir], batchSize: 6, concurrency: 2 })).handle.result();
      await runReview(pc, { decision: 'approve', sourceIds: corpus.good.map((d) => d.sourceId), reviewer: 'ed' });
      const { handle } = await startRelease(pc, { requestedBy: 'ed', autoApprove: false }, (await previewRelease(worker!.store, null)).releaseId);
      await reachStep(handle, 'awaiting-approval');
      await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'read on staging' }] });
      expect((await handle.result()).releaseId).not.toBeNull();
    } finally {
      await pc.close();
    }

    // No worker while the CLI waits, so the reindex is certain to be running when the server goes away.
    const httpUrl = worker!.httpUrl;
    await worker!.shutdown();
    worker = undefined;
    const { child, output, exited } = cli(['reindex', '--full', '--wait', '--json'], httpUrl);

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(child.exitCode, output.stderr).toBeNull();
    await outage();
    expect(child.exitCode, output.stderr).toBeNull();
    await start();
    worker = await startWorker(config, { workflowBundle: workflowBundle() });

    const code = await exited;
    expect(code, output.stderr).toBe(0);
    expect(output.stderr).toMatch(/lost Temporal at 127\.0\.0\.1:\d+ \(.*\); reconnecting and still waiting for reindex-/);
    const printed = JSON.parse(output.stdout) as { status: string; report: ReindexReport };
    expect(printed.status).toBe('completed');
    expect(printed.report).toMatchObject({ mode: 'full', swapped: true, failed: 0 });
    expect(printed.report.documents).toBeGreaterThanOrEqual(corpus.good.length);
  }, 240_000);
});
