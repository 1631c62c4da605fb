import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type PressroomClient } from '../../src/client.js';
import type { Config } from '../../src/config.js';
import type { ImportReport } from '../../src/domain/import/index.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { writeCorpus, type Corpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

type Run = { code: number | null; stdout: string; stderr: string };

describe('the pressroom CLI against a real worker, dev server and database', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-cli-'));
  let database: TestDatabase;
  let config: Config;
  let worker: RunningWorker;
  let corpus: Corpus;

  let pc: PressroomClient;

  const cli = (...args: string[]): Promise<Run> => cliWith({}, ...args);
  const cliWith = (env: Record<string, string>, ...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/pressroom.mjs', ...args], {
        env: { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: config.temporal.taskQueue, PRESSROOM_API_URL: worker.httpUrl, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    database = await backends()[0]!.create();
    config = testConfig(database.config);
    worker = await startWorker(config, { workflowBundle: workflowBundle() });
    corpus = writeCorpus(join(root, 'corpus'), { seed: 41, count: 60, badRatio: 0.1 });
    pc = await connectClient(config);
  });
  afterAll(async () => {
    await pc?.close();
    await worker?.shutdown();
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('import --wait --json prints the final report; rejections and articles read it back', async () => {
    const run = await cli('import', corpus.dir, '--wait', '--json', '--batch-size', '7');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ImportReport;
    expect(report.counts).toMatchObject({ files: 60, created: corpus.good.length, rejected: corpus.bad.length });

    // A list's --json is ONE document with the total and the items.
    const rejections = await cli('rejections', '--json');
    expect(rejections.code).toBe(0);
    const page = JSON.parse(rejections.stdout) as { total: number; items: Array<{ path: string; errors: Array<{ field: string }> }> };
    expect(page.total).toBe(corpus.bad.length);
    expect(page.items).toHaveLength(corpus.bad.length);
    expect(page.items.map((l) => l.errors[0]?.field)).toEqual(expect.arrayContaining([corpus.bad[0]!.expectField]));

    const imports = await cli('imports', '--json');
    expect(imports.code, imports.stderr).toBe(0);
    expect(JSON.parse(imports.stdout)).toMatchObject({ items: [{ workflowId: report.workflowId, status: 'completed', report: { counts: report.counts } }] });
    const articles = JSON.parse((await cli('articles', 'list', '--json', '--limit', '5')).stdout) as { total: number; items: unknown[] };
    expect(articles.total).toBe(corpus.good.length);
    expect(articles.items).toHaveLength(5);

    const show = await cli('articles', 'show', corpus.good[0]!.sourceId, '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ sourceId: corpus.good[0]!.sourceId, currentRevision: 1, revisions: [{ revision: 1 }] });

    const list = await cli('articles', 'list');
    expect(list.stdout).toContain(`${corpus.good.length} article(s)`);
  });

  it('review approve changes the state and reports unknown ids with exit 1', async () => {
    const id = corpus.good[1]!.sourceId;
    const run = await cli('review', 'reject', id, 'nope-999', '--json', '--by', 'editor');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ decision: 'reject', changed: [id], unknown: ['nope-999'] });
    expect(JSON.parse((await cli('articles', 'show', id, '--json')).stdout)).toMatchObject({ reviewState: 'rejected' });
  });

  it('import cancel stops after the batches in flight and prints the partial report', async () => {
    const big = writeCorpus(join(root, 'big'), { seed: 42, count: 1_500, from: 10_000 });
    const started = await cli('import', big.dir, '--json', '--batch-size', '5', '--concurrency', '1');
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    expect(workflowId).toMatch(/^import-[0-9a-f]{12}$/);
    const cancelled = await cli('import', 'cancel', workflowId, '--json');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const report = JSON.parse(cancelled.stdout) as ImportReport;
    expect(report.status).toBe('cancelled');
    expect(report.total).toBe(1_500);
    expect(report.counts.files).toBeLessThan(1_500);
    expect(report.counts.files % 5).toBe(0);
    expect(report.counts.created).toBe(report.counts.files);
    const status = await cli('import', 'status', workflowId, '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'cancelled', counts: report.counts });
  });

  it('import status shows why an import did not complete; cancel of a finished one says so with exit 1', async () => {
    // Temporal knows these; the store may not (a workflow that failed on its input never wrote a run).
    const bad = await pc.client.workflow.start('importWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId: `import-bad-input-${Date.now()}`,
      args: [{ paths: ['relative/path'] }],
    });
    await bad.result().catch(() => undefined);
    const failed = await cli('import', 'status', bad.workflowId, '--json');
    expect(failed.code, failed.stderr).toBe(0);
    const shown = JSON.parse(failed.stdout) as { failure: { message: string } };
    expect(shown).toMatchObject({ workflowId: bad.workflowId, status: 'failed', failure: { type: 'InvalidInput', nonRetryable: true } });
    expect(shown.failure.message).toContain('paths');
    const human = await cli('import', 'status', bad.workflowId);
    expect(human.stdout).toMatch(new RegExp(`^import ${bad.workflowId}: failed\n  .*paths.* \\(InvalidInput, not retryable\\)`));

    const slow = writeCorpus(join(root, 'slow'), { seed: 43, count: 300, from: 20_000 });
    const started = JSON.parse((await cli('import', slow.dir, '--json', '--batch-size', '5', '--concurrency', '1')).stdout) as { workflowId: string };
    await pc.client.workflow.getHandle(started.workflowId).terminate('stopped by the operator in a test');
    const terminated = await cli('import', 'status', started.workflowId, '--json');
    expect(JSON.parse(terminated.stdout)).toMatchObject({
      status: 'terminated',
      failure: { message: 'stopped by the operator in a test', type: 'TerminatedFailure' },
    });

    const again = await cli('import', 'cancel', started.workflowId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`import ${started.workflowId} had already finished (terminated); nothing to cancel`);
    const unknown = await cli('import', 'status', 'import-never-started');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no import "import-never-started" in Temporal');
  });

  it('import --wait with no worker on the task queue says so within 10 s and keeps waiting', async () => {
    const queue = `nobody-polls-${Date.now()}`;
    const child = spawn(process.execPath, ['bin/pressroom.mjs', 'import', join(corpus.dir, corpus.good[0]!.fileName), '--wait', '--id', `import-${queue}`], {
      env: { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: queue, PRESSROOM_API_URL: worker.httpUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const started = Date.now();
    try {
      while (!stderr.includes('no worker is polling') && Date.now() - started < 12_000) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain(`no worker is polling task queue "${queue}" at ${config.temporal.address}`);
      expect(Date.now() - started).toBeLessThan(10_000);
      // Still waiting: the command has not given up.
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await exited;
      await pc.client.workflow
        .getHandle(`import-${queue}`)
        .terminate('test over')
        .catch(() => undefined);
    }
  });

  it('dry run prints the plan and exits 0', async () => {
    const run = await cli('import', corpus.dir, '--dry-run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/plan import-[0-9a-f]{12}-plan: completed/);
    expect(run.stdout).toContain(`unchanged ${corpus.good.length}`);
    expect(run.stdout).toMatch(/reject\s+\S+: \S+: /);
  });

  it('usage errors exit 2 and say what was expected', async () => {
    const missing = await cli('import', join(root, 'does-not-exist'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
    const flag = await cli('import', corpus.dir, '--batch-size', 'lots');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--batch-size expects a whole number from 1 to 1000, got "lots"');
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    const empty = await cli('import', '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('PATH must not be empty');
  });
});
