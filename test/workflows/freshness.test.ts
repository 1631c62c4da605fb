import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshnessActivities, type FreshnessActivities, type SweepInput, type SweepOutput } from '../../src/activities/freshness.js';
import {
  FRESHNESS_REPORT_MAX_IDS,
  FRESHNESS_REVIEWER,
  freshnessCutoff,
  type FreshnessSweepInput,
  type FreshnessSweepReport,
} from '../../src/domain/freshness.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { freshnessSweepWorkflow } from '../../src/workflows/freshness.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { seedSynth, withLastReviewed } from '../helpers/search-fixtures.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

// freshnessSweepWorkflow on the time-skipping server: its cutoff comes from the run's start time (not
// the clock when a worker gets to it), the activity's sweep id names the run, a bad input fails at once,
// a database outage is retried, and with the real activities over PGlite articles really go back to review.

const DAY_MS = 86_400_000;

type Call = { input: SweepInput; attempt: number; scheduledMs: number };

function mockActivities(options: { output?: SweepOutput; fail?: (attempt: number) => Error | undefined } = {}) {
  const calls: Call[] = [];
  const output: SweepOutput = options.output ?? { stale: 3, sourceIds: ['a-1', 'a-2', 'a-3'], truncated: false, undated: 2 };
  const activities: FreshnessActivities = {
    async sweepStaleArticles(input) {
      const { attempt, currentAttemptScheduledTimestampMs } = Context.current().info;
      calls.push({ input, attempt, scheduledMs: currentAttemptScheduledTimestampMs });
      const error = options.fail?.(attempt);
      if (error) throw error;
      return output;
    },
  };
  return { activities, calls, output };
}

async function outcome(handle: WorkflowHandle<typeof freshnessSweepWorkflow>) {
  return handle.result().then(
    (report) => ({ report, error: undefined }),
    (error: unknown) => ({ report: undefined, error }),
  );
}

describe('freshnessSweepWorkflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(input: unknown, options: Parameters<typeof mockActivities>[0] & { lateByMs?: number } = {}) {
    const mock = mockActivities(options);
    const taskQueue = uniqueQueue('freshness-ts');
    const workflowId = uniqueQueue('freshness');
    const handle = await env.client.workflow.start<typeof freshnessSweepWorkflow>('freshnessSweepWorkflow', {
      taskQueue,
      workflowId,
      args: [input as FreshnessSweepInput],
      // A delayed start: the run is started now, its first workflow task comes days later.
      ...(options.lateByMs ? { startDelay: options.lateByMs } : {}),
    });
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: mock.activities });
    const result = await worker.runUntil(outcome(handle));
    const description = await handle.describe();
    return { ...result, mock, workflowId, runId: description.runId, startTime: description.startTime };
  }

  it('calls the activity once with the cutoff of the run’s start day and the run as sweep id, and reports what it swept', async () => {
    const { report, error, mock, workflowId, runId, startTime } = await run({ requestedBy: 'ops', maxAgeDays: 90 });
    expect(error).toBeUndefined();
    const cutoff = freshnessCutoff(startTime, 90);
    expect(mock.calls.map((c) => c.input)).toEqual([{ sweepId: `${workflowId}/${runId}`, cutoff, maxAgeDays: 90, requestedBy: 'ops' }]);
    expect(report).toEqual<FreshnessSweepReport>({
      sweepId: workflowId,
      requestedBy: 'ops',
      maxAgeDays: 90,
      cutoff,
      stale: 3,
      sourceIds: ['a-1', 'a-2', 'a-3'],
      truncated: false,
      undated: 2,
    });
  });

  it('a run whose first task comes days after its start (a delayed start) still sweeps its start day', async () => {
    const late = 3 * DAY_MS;
    const { report, error, mock, startTime } = await run({ requestedBy: 'ops', maxAgeDays: 10 }, { lateByMs: late });
    expect(error).toBeUndefined();
    const [call] = mock.calls;
    // The activity really ran days after the start: a cutoff from the worker's clock would be 3 days later.
    expect(call!.scheduledMs - startTime.getTime()).toBeGreaterThanOrEqual(late - 60_000);
    expect(freshnessCutoff(new Date(call!.scheduledMs), 10)).not.toBe(freshnessCutoff(startTime, 10));
    expect(call!.input.cutoff).toBe(freshnessCutoff(startTime, 10));
    expect(report?.cutoff).toBe(freshnessCutoff(startTime, 10));
  });

  it('passes a truncated report through as the activity gave it', async () => {
    const sourceIds = Array.from({ length: FRESHNESS_REPORT_MAX_IDS }, (_, i) => `id-${String(i).padStart(5, '0')}`);
    const output: SweepOutput = { stale: FRESHNESS_REPORT_MAX_IDS + 7, sourceIds, truncated: true, undated: 0 };
    const { report } = await run({ requestedBy: 'ops', maxAgeDays: 365 }, { output });
    expect(report).toMatchObject({ stale: FRESHNESS_REPORT_MAX_IDS + 7, truncated: true, undated: 0 });
    expect(report?.sourceIds).toEqual(sourceIds);
  });

  it.each([
    ['maxAgeDays 0', { requestedBy: 'ops', maxAgeDays: 0 }, 'maxAgeDays'],
    ['maxAgeDays above 3650', { requestedBy: 'ops', maxAgeDays: 3_651 }, 'maxAgeDays'],
    ['fractional maxAgeDays', { requestedBy: 'ops', maxAgeDays: 1.5 }, 'maxAgeDays'],
    ['missing requestedBy', { maxAgeDays: 30 }, 'requestedBy'],
    ['blank requestedBy', { requestedBy: '   ', maxAgeDays: 30 }, 'requestedBy'],
    ['an extra field', { requestedBy: 'ops', maxAgeDays: 30, cutoff: '2020-01-01' }, 'cutoff'],
  ])('refuses %s with a non-retryable InvalidInput, without calling the activity', async (_name, input, field) => {
    const { error, report, mock } = await run(input);
    expect(report).toBeUndefined();
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((cause as ApplicationFailure).message).toContain(field);
    expect(mock.calls).toEqual([]);
  });

  it('retries a DatabaseUnavailable failure with the same sweep id and completes', async () => {
    const { report, error, mock, workflowId, runId } = await run(
      { requestedBy: 'ops', maxAgeDays: 30 },
      {
        fail: (attempt) =>
          attempt === 1 ? ApplicationFailure.create({ type: 'DatabaseUnavailable', message: 'connection refused', nonRetryable: false }) : undefined,
      },
    );
    expect(error).toBeUndefined();
    expect(mock.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(new Set(mock.calls.map((c) => c.input.sweepId))).toEqual(new Set([`${workflowId}/${runId}`]));
    expect(new Set(mock.calls.map((c) => c.input.cutoff)).size).toBe(1);
    expect(report).toMatchObject({ sweepId: workflowId, stale: 3 });
  });

  it('fails at once on a DataRefused failure, naming it', async () => {
    const { report, error, mock } = await run(
      { requestedBy: 'ops', maxAgeDays: 30 },
      { fail: () => ApplicationFailure.create({ type: 'DataRefused', message: 'refused', nonRetryable: true }) },
    );
    expect(report).toBeUndefined();
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure?.cause).toMatchObject({ type: 'DataRefused' });
    expect(mock.calls).toHaveLength(1);
  });
});

describe('sweepStaleArticles (activity, fake store)', () => {
  it('passes the reviewer, reports the whole count and at most FRESHNESS_REPORT_MAX_IDS ids', async () => {
    const writes: unknown[] = [];
    const all = Array.from({ length: FRESHNESS_REPORT_MAX_IDS + 2 }, (_, i) => `id-${String(i).padStart(5, '0')}`);
    const activities = createFreshnessActivities({
      store: {
        freshness: {
          async sweep(write) {
            writes.push(write);
            return { sourceIds: all, undated: 4 };
          },
        },
      },
    });
    const input: SweepInput = { sweepId: 'wf/run', cutoff: '2024-01-01', maxAgeDays: 30, requestedBy: 'ops' };
    const output = await activities.sweepStaleArticles(input);
    expect(writes).toEqual([{ ...input, reviewer: FRESHNESS_REVIEWER }]);
    expect(output).toEqual({ stale: all.length, sourceIds: all.slice(0, FRESHNESS_REPORT_MAX_IDS), truncated: true, undated: 4 });
  });
});

describe('freshnessSweepWorkflow with the real activities over PGlite', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    env = await timeSkippingEnv();
    database = await backends()[0]!.create();
    store = await openStore(database.config);
  });
  afterAll(async () => {
    await env?.teardown();
    await store?.close();
    await database?.cleanup();
  });

  it('moves the stale approved articles to pending and reports them; fresh and undated ones stay approved', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const stale = await seedSynth(store.db, { from: 0, count: 3, edit: (a) => withLastReviewed(a, '2001-02-03') });
    const fresh = await seedSynth(store.db, { from: 3, count: 2, edit: (a) => withLastReviewed(a, today) });
    const undated = await seedSynth(store.db, { from: 5, count: 1, edit: (a) => withLastReviewed(a, null) });
    // seedSynth approves "now": clear that, so the content's own dates decide.
    await store.db.query(`UPDATE articles SET reviewed_at = NULL, reviewed_by = NULL`);

    const taskQueue = uniqueQueue('freshness-real');
    const workflowId = uniqueQueue('freshness-real');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createFreshnessActivities({ store }),
    });
    const report = await worker.runUntil(
      env.client.workflow.execute<typeof freshnessSweepWorkflow>('freshnessSweepWorkflow', {
        taskQueue,
        workflowId,
        args: [{ requestedBy: 'ops', maxAgeDays: 30 }],
      }),
    );
    const { runId, startTime } = await env.client.workflow.getHandle(workflowId).describe();
    const staleIds = stale.map((a) => a.sourceId).sort();
    expect(report).toEqual<FreshnessSweepReport>({
      sweepId: workflowId,
      requestedBy: 'ops',
      maxAgeDays: 30,
      cutoff: freshnessCutoff(startTime, 30),
      stale: 3,
      sourceIds: staleIds,
      truncated: false,
      undated: 1,
    });

    const states = await store.db.query<{ source_id: string; review_state: string; reviewed_by: string | null }>(
      `SELECT source_id, review_state, reviewed_by FROM articles ORDER BY source_id`,
    );
    const byId = new Map(states.map((r) => [r.source_id, r]));
    for (const id of staleIds) expect(byId.get(id)).toMatchObject({ review_state: 'pending', reviewed_by: FRESHNESS_REVIEWER });
    for (const a of [...fresh, ...undated]) expect(byId.get(a.sourceId)).toMatchObject({ review_state: 'approved', reviewed_by: null });

    const recorded = await store.db.query<{ sweep_id: string; requested_by: string; source_ids: string[] }>(
      `SELECT sweep_id, requested_by, source_ids FROM freshness_sweeps`,
    );
    expect(recorded).toEqual([{ sweep_id: `${workflowId}/${runId}`, requested_by: 'ops', source_ids: staleIds }]);
  });
});
