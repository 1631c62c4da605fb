import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportActivities } from '../../src/activities/import.js';
import type { ProbeActivities } from '../../src/activities/probe.js';
import type { ReviewActivities } from '../../src/activities/review.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

// Every workflow validates its input at the top and fails the run at once, non-retryably, naming the
// field: no activity runs, no workflow task is retried, no timer waits.

/** Activities that record every call: any call at all means the bad input got through. */
function recordingActivities() {
  const calls: string[] = [];
  const record =
    <T>(name: string, answer: T) =>
    async (): Promise<T> => {
      calls.push(name);
      return answer;
    };
  const activities: ImportActivities & ReviewActivities & ProbeActivities = {
    listSource: record('listSource', { total: 0 }),
    importBatch: record('importBatch', { files: 0, documents: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 }),
    finishImport: record('finishImport', undefined),
    setReviewState: record('setReviewState', { decision: 'reject' as const, changed: ['a1'], unknown: [] }),
    writeProbeRow: record('writeProbeRow', { attempt: 1 }),
    readProbeRow: record('readProbeRow', { key: 'k', value: 'v', attempts: 1 }),
  };
  return { activities, calls };
}

describe('workflows reject bad input at once (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function failure(workflowType: string, input: unknown) {
    const { activities, calls } = recordingActivities();
    const taskQueue = uniqueQueue('bad-input');
    const workflowId = uniqueQueue(`bad-${workflowType}`);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    const startedWall = Date.now();
    const error = await worker.runUntil(env.client.workflow.execute(workflowType, { taskQueue, workflowId, args: [input] }).catch((e: unknown) => e));
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toMatchObject({ name: 'ApplicationFailure', type: 'InvalidInput', nonRetryable: true });
    // Not retried: one workflow task, none failed, no activity, no timer; seconds, not hours.
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toHaveLength(0);
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes)).toHaveLength(0);
    expect(calls).toEqual([]);
    // On the server's own clock, from start to failure (an idle time-skipping server jumps ahead afterwards).
    const seconds = (e: (typeof events)[number] | undefined) => Number(e?.eventTime?.seconds ?? 0);
    expect(seconds(events.at(-1)) - seconds(events[0])).toBeLessThan(60);
    expect(events.at(-1)?.workflowExecutionFailedEventAttributes).toBeTruthy();
    expect(Date.now() - startedWall).toBeLessThan(30_000);
    return cause!.message;
  }

  it('reviewWorkflow with decision "maybe" changes nothing and names the decision', async () => {
    const message = await failure('reviewWorkflow', { decision: 'maybe', sourceIds: ['a1'], reviewer: 'ed' });
    expect(message).toMatch(/^invalid reviewWorkflow input \(decision: Invalid option: expected one of "approve"\|"reject"\)/);
  });

  it('reviewWorkflow with only a decision names the missing source ids and reviewer (no TypeError, no retries)', async () => {
    const message = await failure('reviewWorkflow', { decision: 'approve' });
    expect(message).toContain('sourceIds: expected a list of source ids');
    expect(message).toContain("reviewer: expected the reviewer's name");
  });

  it('reviewWorkflow with an empty id list or an unknown field fails the same way', async () => {
    expect(await failure('reviewWorkflow', { decision: 'approve', sourceIds: [], reviewer: 'ed' })).toContain('sourceIds: expected at least one source id');
    expect(await failure('reviewWorkflow', { decision: 'approve', sourceIds: ['a1'], reviewer: 'ed', by: 'x' })).toContain('Unrecognized key: "by"');
  });

  it('probeWorkflow with {} fails in seconds naming key and value (it used to retry for about 4 hours)', async () => {
    const message = await failure('probeWorkflow', {});
    expect(message).toContain('key: expected a string key');
    expect(message).toContain('value: expected a string value');
  });

  it('probeWorkflow with a negative failFirstAttempts names it', async () => {
    expect(await failure('probeWorkflow', { key: 'k', value: 'v', failFirstAttempts: -1 })).toContain('failFirstAttempts: expected 0 or more');
  });

  it('importWorkflow with no input at all names the input', async () => {
    expect(await failure('importWorkflow', null)).toMatch(/^invalid importWorkflow input \(input: /);
  });

  it('releaseWorkflow without the settings the client fills in names each (no defaults in the workflow)', async () => {
    const message = await failure('releaseWorkflow', { requestedBy: 'ed' });
    expect(message).toMatch(/^invalid releaseWorkflow input \(/);
    for (const field of ['only', 'autoApprove', 'approvalTimeoutMs']) expect(message).toContain(`${field}: `);
  });

  it('releaseWorkflow with an approval timeout of a second or an empty list names them', async () => {
    const message = await failure('releaseWorkflow', { requestedBy: 'ed', only: [], autoApprove: false, approvalTimeoutMs: 1_000 });
    expect(message).toContain('only: expected at least one source id');
    expect(message).toContain('approvalTimeoutMs: expected 60000 ms (1 minute) to 2592000000 ms (30 days)');
  });

  it('rollbackWorkflow without a reason, or with a blank requester, names them', async () => {
    const message = await failure('rollbackWorkflow', { requestedBy: ' ', target: null });
    expect(message).toContain('requestedBy: expected the name of who asked for the rollback, not an empty name');
    expect(message).toContain('reason: expected a reason');
  });

  it('a valid review runs its activity and reports what changed', async () => {
    const { activities, calls } = recordingActivities();
    const taskQueue = uniqueQueue('review-ok');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
    const result = await worker.runUntil(
      env.client.workflow.execute('reviewWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('review'),
        args: [{ decision: 'reject', sourceIds: ['a1'], reviewer: 'ed' }],
      }),
    );
    expect(result).toEqual({ decision: 'reject', changed: ['a1'], unknown: [] });
    expect(calls).toEqual(['setReviewState']);
  });
});
