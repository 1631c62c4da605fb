import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchActivities } from '../../src/activities/search-types.js';
import { DEFAULT_VERIFY, type ReindexProgress, type ReindexReport, type ReindexWorkflowInput, type VerifyReport } from '../../src/domain/search/input.js';
import { reindexProgressQuery } from '../../src/workflows/messages.js';
import type { reindexWorkflow } from '../../src/workflows/reindex.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

// reindexWorkflow's logic on the time-skipping server, with activities that record their calls: a
// failed verification swaps nothing, catch-up carries what changed during the build, the fill resumes
// where the previous call stopped, and a failure drops the half-built generation.

const passing: VerifyReport = { passed: true, checks: [{ name: 'count', passed: true, expected: '30 documents', actual: '30 documents' }] };
const failing: VerifyReport = {
  passed: false,
  checks: [
    { name: 'count', passed: true, expected: '30 documents', actual: '30 documents' },
    { name: 'latency', passed: false, expected: 'p95 ≤ 1.2× the live generation’s 4.00 ms', actual: 'p95 40.00 ms (10.00×)' },
  ],
};

type Call = { name: string; input: unknown };

function mockSearchActivities(options: { verify?: VerifyReport; failIndex?: boolean; catchUp?: { upserted: number; removed: number } } = {}) {
  const calls: Call[] = [];
  const pages = [2_000, 4_000, null];
  let page = 0;
  const record =
    <I, O>(name: string, fn: (input: I) => O | Promise<O>) =>
    async (input: I) => {
      calls.push({ name, input });
      return fn(input);
    };
  const watermark = { releaseId: 'rel-one', auditId: 4 };
  const activities: SearchActivities = {
    beginGeneration: record('beginGeneration', () => ({ generation: 7, total: 30, watermark, resumed: false })),
    fillGeneration: record('fillGeneration', () => ({ written: 10, failed: 0, last: pages[page++] ?? null })),
    indexGeneration: record('indexGeneration', () => {
      if (options.failIndex) throw ApplicationFailure.create({ type: 'DataRefused', message: 'index build refused', nonRetryable: true });
    }),
    computeSimilarPosts: record('computeSimilarPosts', (input: { onlyMissing: boolean }) => ({ written: input.onlyMissing ? 3 : 30 })),
    catchUpGeneration: record('catchUpGeneration', () => ({
      ...(options.catchUp ?? { upserted: 3, removed: 1 }),
      watermark: { releaseId: 'rel-two', auditId: 6 },
    })),
    verifyGeneration: record('verifyGeneration', () => options.verify ?? passing),
    swapGeneration: record('swapGeneration', () => ({ from: 6, to: 7, caughtUp: { upserted: 0, removed: 0 } })),
    pruneGenerations: record('pruneGenerations', () => [4]),
    failGeneration: record('failGeneration', () => undefined),
    rollbackGeneration: record('rollbackGeneration', () => ({ from: 7, to: 6 })),
    purgeSimilarPosts: record('purgeSimilarPosts', () => undefined),
    applyIncremental: record('applyIncremental', () => ({ generation: 7, upserted: 2, removed: 0, similar: 2, watermark, before: watermark })),
  };
  return { activities, calls, named: (name: string) => calls.filter((c) => c.name === name).map((c) => c.input) };
}

const full: ReindexWorkflowInput = { mode: 'full', requestedBy: 'tester', batchSize: 5, verify: DEFAULT_VERIFY };

describe('reindexWorkflow on the time-skipping server (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(input: ReindexWorkflowInput, options: Parameters<typeof mockSearchActivities>[0] = {}) {
    const mock = mockSearchActivities(options);
    const taskQueue = uniqueQueue('reindex-ts');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: mock.activities });
    const outcome = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof reindexWorkflow>('reindexWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('reindex'),
        args: [input],
      });
      const result = await handle.result().then(
        (report) => ({ report, error: undefined }),
        (error: unknown) => ({ report: undefined, error }),
      );
      // A run refused at its input registered no query: its progress is undefined.
      return { ...result, progress: await handle.query(reindexProgressQuery).catch(() => undefined) };
    });
    return { ...outcome, mock };
  }

  it('fills in calls that resume where the last stopped, catches up, verifies, swaps, purges and prunes', async () => {
    const { report, error, mock, progress } = await run(full);
    expect(error).toBeUndefined();
    expect(mock.named('fillGeneration')).toEqual([
      { generation: 7, batchSize: 5, after: 0, maxBatches: 10 },
      { generation: 7, batchSize: 5, after: 2_000, maxBatches: 10 },
      { generation: 7, batchSize: 5, after: 4_000, maxBatches: 10 },
    ]);
    expect(mock.calls.map((c) => c.name)).toEqual([
      'beginGeneration',
      'fillGeneration',
      'fillGeneration',
      'fillGeneration',
      'indexGeneration',
      'computeSimilarPosts',
      'catchUpGeneration',
      'computeSimilarPosts',
      'verifyGeneration',
      'swapGeneration',
      'purgeSimilarPosts',
      'pruneGenerations',
    ]);
    expect(mock.named('pruneGenerations')).toEqual([{ keep: 2 }]);
    expect(report).toMatchObject<Partial<ReindexReport>>({
      mode: 'full',
      generation: 7,
      previous: 6,
      swapped: true,
      documents: 30,
      similar: 33,
      dropped: [4],
      verification: passing,
    });
    expect(progress).toMatchObject<Partial<ReindexProgress>>({ step: 'done', generation: 7, done: 30, total: 30 });
  });

  it('catch-up carries the changes made during the build into the report and the watermark', async () => {
    const { report, mock } = await run(full, { catchUp: { upserted: 5, removed: 2 } });
    expect(report).toMatchObject({ caughtUp: { upserted: 5, removed: 2 }, watermark: { releaseId: 'rel-two', auditId: 6 } });
    // What the catch-up wrote gets similar posts before verification.
    expect(mock.named('computeSimilarPosts')).toEqual([
      { generation: 7, onlyMissing: false },
      { generation: 7, onlyMissing: true },
    ]);
    // Nothing changed: no second similar-posts pass.
    const quiet = await run(full, { catchUp: { upserted: 0, removed: 0 } });
    expect(quiet.mock.named('computeSimilarPosts')).toEqual([{ generation: 7, onlyMissing: false }]);
  });

  it('a failed verification swaps nothing: the generation is dropped and the failure names the check and by how much', async () => {
    const { error, mock } = await run(full, { verify: failing });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('ReindexVerificationFailed');
    expect(cause.message).toBe(
      'verification failed, nothing was swapped: latency: expected p95 ≤ 1.2× the live generation’s 4.00 ms, got p95 40.00 ms (10.00×)',
    );
    expect(mock.named('swapGeneration')).toEqual([]);
    expect(mock.named('purgeSimilarPosts')).toEqual([]);
    expect(mock.named('pruneGenerations')).toEqual([]);
    expect(mock.named('failGeneration')).toEqual([{ generation: 7, report: expect.objectContaining({ swapped: false, verification: failing }) }]);
    const report = cause.details?.[0] as ReindexReport;
    expect(report).toMatchObject({ swapped: false, generation: 7, verification: failing });
  });

  it('a step that fails drops the half-built generation and fails with the step’s error type', async () => {
    const { error, mock } = await run(full, { failIndex: true });
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('DataRefused');
    expect(cause.message).toMatch(/^indexing failed: .*index build refused/);
    expect(mock.named('failGeneration')).toEqual([
      { generation: 7, report: expect.objectContaining({ reason: expect.stringContaining('index build refused') }) },
    ]);
    expect(mock.named('swapGeneration')).toEqual([]);
  });

  it('incremental and rollback runs do one thing each and report it', async () => {
    const incremental = await run({ mode: 'incremental', requestedBy: 'release', trigger: 'rel-two' });
    expect(incremental.report).toMatchObject({
      mode: 'incremental',
      generation: 7,
      caughtUp: { upserted: 2, removed: 0 },
      similar: 2,
      reason: 'after the promotion of rel-two',
    });
    expect(incremental.mock.calls.map((c) => c.name)).toEqual(['applyIncremental', 'purgeSimilarPosts']);
    const rollback = await run({ mode: 'rollback', requestedBy: 'ops' });
    expect(rollback.report).toMatchObject({ mode: 'rollback', generation: 6, previous: 7, swapped: true });
    expect(rollback.mock.calls.map((c) => c.name)).toEqual(['rollbackGeneration', 'purgeSimilarPosts']);
  });

  it('refuses a bad input at once, naming the field', async () => {
    const { error, mock } = await run({ mode: 'full', requestedBy: 'x', batchSize: 0, verify: DEFAULT_VERIFY });
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('batchSize: expected 1 to 50000');
    expect(mock.calls).toEqual([]);
  });
});
