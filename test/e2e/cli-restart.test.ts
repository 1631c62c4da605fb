// `pressroom import --wait` across a restart of Temporal: the import completes on the restarted
// server, and the CLI reconnects and prints the report instead of exiting 1 with
// "Failed to get Workflow execution history". Its own dev server, so restarting it disturbs no one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { ImportReport } from '../../src/domain/import/index.js';
import { searchAttributeFlags } from '../../src/domain/names.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { freePort } from '../../src/temporal/ports.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

describe('import --wait when Temporal restarts mid-import', () => {
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

  it('reconnects, keeps waiting and prints the report the import completed with', async () => {
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 51, count: 400, from: 30_000 });
    const child = spawn(process.execPath, ['bin/pressroom.mjs', 'import', corpus.dir, '--wait', '--json', '--batch-size', '4', '--concurrency', '1'], {
      env: { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: config.temporal.taskQueue, PRESSROOM_API_URL: worker!.httpUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    // Mid-import: started, not finished.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(child.exitCode).toBeNull();
    // Longer than the SDK's own gRPC retries (about 20 s), which hide a short outage from the CLI.
    await server!.stop();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    expect(child.exitCode).toBeNull();
    await start();

    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/lost Temporal at 127\.0\.0\.1:\d+ \(.*\); reconnecting and still waiting for import-/);
    const report = JSON.parse(stdout) as ImportReport;
    expect(report.status).toBe('completed');
    expect(report.counts).toMatchObject({ files: 400, created: 400 });
  }, 240_000);
});
