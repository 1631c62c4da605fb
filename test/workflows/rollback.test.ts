import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseReport, RollbackWorkflowInput } from '../../src/domain/release/input.js';
import type { rollbackWorkflow } from '../../src/workflows/rollback.js';
import { releaseStatusQuery } from '../../src/workflows/messages.js';
import { PressroomKind, PressroomOutcome, PressroomSource } from '../../src/workflows/search-attributes.js';
import { mockReleaseActivities, releasePlan, settleSearchRefresh, type MockOptions } from '../helpers/release-activities.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

const input = (overrides: Partial<RollbackWorkflowInput> = {}): RollbackWorkflowInput => ({
  requestedBy: 'ops',
  target: 'rel-good',
  reason: 'broken code samples',
  ...overrides,
});

describe('rollbackWorkflow on the time-skipping server (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  /** The rollbacks that go live start an abandoned child; after one, a test server's clock no longer skips (see release.test.ts). */
  let promoting: TestWorkflowEnvironment;
  beforeAll(async () => {
    [env, promoting] = await Promise.all([timeSkippingEnv(), timeSkippingEnv()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await promoting?.teardown();
  });

  /** Production serves rel-bad; the mock's rollback record rel-rb serves rel-good's manifest. */
  async function rollback(options: MockOptions, workflowInput: RollbackWorkflowInput, server: 'default' | 'promoting' = 'default') {
    const on = server === 'promoting' ? promoting : env;
    const mock = mockReleaseActivities({ plan: releasePlan({ releaseId: 'rel-bad', baseRelease: 'rel-bad' }), ...options });
    const taskQueue = uniqueQueue('rollback-ts');
    const worker = await Worker.create({ connection: on.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: mock.activities });
    const outcome = await worker.runUntil(async () => {
      const handle = await on.client.workflow.start<typeof rollbackWorkflow>('rollbackWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('rollback'),
        args: [workflowInput],
      });
      const result = await handle.result().then(
        (report) => ({ report, error: undefined }),
        (error: unknown) => ({ report: undefined, error }),
      );
      const rb = options.rollback;
      await settleSearchRefresh(on.client, handle.workflowId, rb && rb !== 'not-found' ? rb.releaseId : 'rel-rb');
      const description = await handle.describe();
      const attributes = {
        kind: description.typedSearchAttributes.get(PressroomKind),
        source: description.typedSearchAttributes.get(PressroomSource),
        outcome: description.typedSearchAttributes.get(PressroomOutcome),
      };
      return { ...result, status: await handle.query(releaseStatusQuery), attributes };
    });
    return { ...outcome, mock };
  }

  it('points production at the rollback record, purges and verifies against what it served, and prints the command that undoes it', async () => {
    const { report, error, mock, attributes } = await rollback({}, input(), 'promoting');
    expect(error).toBeUndefined();
    expect(mock.named('planRollback')).toEqual([{ workflowId: expect.any(String), requestedBy: 'ops', target: 'rel-good' }]);
    expect(mock.named('pointEnvironment')).toEqual([
      { environment: 'production', releaseId: 'rel-rb', actor: 'ops', action: 'rollback', workflowId: expect.any(String), reason: 'broken code samples' },
    ]);
    expect(mock.named('purgeRoutes')).toEqual([{ environment: 'production', releaseId: 'rel-rb', previous: 'rel-bad' }]);
    expect(mock.named('verifyEnvironment')).toEqual([{ environment: 'production', releaseId: 'rel-rb', previous: 'rel-bad' }]);
    expect(mock.named('runChecks')).toEqual([]);
    expect(mock.pointers.production).toBe('rel-rb');
    expect(report).toMatchObject({
      kind: 'rollback',
      status: 'live',
      releaseId: 'rel-rb',
      target: 'rel-good',
      decision: { by: 'ops', reason: 'broken code samples', approved: true },
      rollbackCommand: 'pressroom rollback rel-bad',
    });
    expect(mock.named('recordReleaseOutcome')).toEqual([
      expect.objectContaining({ releaseId: 'rel-rb', status: 'live', decision: expect.objectContaining({ by: 'ops', reason: 'broken code samples' }) }),
    ]);
    expect(attributes).toEqual({ kind: 'rollback', source: 'rel-rb', outcome: 'live' });
    expect(mock.calls.at(-1)?.name).toBe('releaseReleaseLock');
  });

  it('fails with ReleaseNotFound for an unknown target, without moving production', async () => {
    const { error, mock, status, attributes } = await rollback({ rollback: 'not-found' }, input({ target: 'rel-nope' }));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });
    expect((error as WorkflowFailedError).cause?.message).toMatch(/recording the rollback failed: no release rel-nope; production was not touched$/);
    expect(mock.named('pointEnvironment')).toEqual([]);
    expect(mock.pointers.production).toBe('rel-bad');
    expect(status.step).toBe('failed');
    expect(attributes.outcome).toBe('failed');
    expect(mock.named('releaseReleaseLock')).toHaveLength(1);
  });

  it('a verification failure after the move is reported, not compensated: production stays on the rollback, the report says how to go back', async () => {
    const { error, mock } = await rollback({ verifyFailures: { production: Infinity } }, input());
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'VerificationFailed', nonRetryable: true });
    const report = ((error as WorkflowFailedError).cause as Error & { details?: unknown[] }).details?.[0] as ReleaseReport;
    expect(report).toMatchObject({ status: 'failed', compensation: null, rollbackCommand: 'pressroom rollback rel-bad' });
    expect(report.reason).toBe('verifying production failed: /production/articles/a1 answered 500; production serves rel-rb');
    expect(mock.named('pointEnvironment')).toHaveLength(1);
    expect(mock.pointers.production).toBe('rel-rb');
    expect(mock.named('recordReleaseOutcome').at(-1)).toMatchObject({ status: 'failed' });
  });
});
