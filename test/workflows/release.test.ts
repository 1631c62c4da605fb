import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseReport, ReleaseStep, ReleaseWorkflowInput } from '../../src/domain/release/input.js';
import { WorkflowIds } from '../../src/domain/names.js';
import type { ReindexReport } from '../../src/domain/search/input.js';
import type { releaseWorkflow } from '../../src/workflows/release.js';
import { approveReleaseUpdate, rejectReleaseUpdate, releaseStatusQuery } from '../../src/workflows/messages.js';
import { PressroomOutcome } from '../../src/workflows/search-attributes.js';
import { BLOCKING, WARNING, mockReleaseActivities, releasePlan, settleSearchRefresh, type MockOptions } from '../helpers/release-activities.js';
import { timeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

const DAY = 24 * 3_600_000;

const input = (overrides: Partial<ReleaseWorkflowInput> = {}): ReleaseWorkflowInput => ({
  requestedBy: 'ed',
  only: null,
  autoApprove: false,
  approvalTimeoutMs: DAY,
  ...overrides,
});

/** The failure a run ended with, and the report it carries. */
async function failureOf(result: Promise<unknown>) {
  const error = await result.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause as Error & { type?: string; nonRetryable?: boolean; details?: unknown[] };
  return { cause, report: cause.details?.[0] as ReleaseReport };
}

describe('releaseWorkflow on the time-skipping server (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  /**
   * A second test server for the releases that go live: each starts an incremental reindex as an
   * abandoned child, and once a child has run, that server's clock no longer skips (the test server's
   * known trouble with children, temporalio/sdk-java#1540): a later test waiting out retry backoffs would
   * then wait them out in real time.
   */
  let promoting: TestWorkflowEnvironment;
  beforeAll(async () => {
    [env, promoting] = await Promise.all([timeSkippingEnv(), timeSkippingEnv()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await promoting?.teardown();
  });

  /** Runs `body` with a worker over mocked activities and a started release. */
  async function withRelease<T>(
    options: MockOptions,
    workflowInput: ReleaseWorkflowInput,
    body: (handle: WorkflowHandle<typeof releaseWorkflow>, mock: ReturnType<typeof mockReleaseActivities>) => Promise<T>,
    server: 'default' | 'promoting' = 'default',
  ): Promise<{ value: T; mock: ReturnType<typeof mockReleaseActivities> }> {
    const mock = mockReleaseActivities(options);
    const taskQueue = uniqueQueue('release-ts');
    const on = server === 'promoting' ? promoting : env;
    const worker = await Worker.create({ connection: on.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: mock.activities });
    const value = await worker.runUntil(async () => {
      const handle = await on.client.workflow.start<typeof releaseWorkflow>('releaseWorkflow', {
        taskQueue,
        workflowId: uniqueQueue('release'),
        args: [workflowInput],
      });
      const result = await body(handle, mock);
      await settleSearchRefresh(on.client, handle.workflowId, (options.plan ?? releasePlan()).releaseId);
      return result;
    });
    return { value, mock };
  }

  /** withRelease for a release that goes live: on the promoting server (see there). */
  const withLiveRelease: typeof withRelease = (options, workflowInput, body) => withRelease(options, workflowInput, body, 'promoting');

  /** Polls the status query (in real time: queries do not skip time) until the release reaches `step`. */
  async function reach(handle: WorkflowHandle<typeof releaseWorkflow>, step: ReleaseStep) {
    for (let i = 0; i < 400; i++) {
      const status = await handle.query(releaseStatusQuery);
      if (status.step === step) return status;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the release never reached ${step}`);
  }

  it('abandons a release nobody decides on after the configured 24 hours of virtual time, production untouched', async () => {
    const { value, mock } = await withRelease({}, input(), async (handle) => {
      const waiting = await reach(handle, 'awaiting-approval');
      const outcome = await failureOf(handle.result());
      const description = await handle.describe();
      const timers = ((await handle.fetchHistory()).events ?? []).flatMap((e) => (e.timerStartedEventAttributes ? [e.timerStartedEventAttributes] : []));
      return { waiting, outcome, timers, searchOutcome: description.typedSearchAttributes.get(PressroomOutcome) };
    });
    // One timer of exactly the configured wait, and it fired: the release ended 24 h of workflow time after it began waiting.
    expect(value.timers.map((t) => Number(t.startToFireTimeout?.seconds))).toEqual([DAY / 1000]);
    const waitedFrom = Date.parse(value.waiting.steps.at(-1)!.at);
    expect(value.waiting.steps.at(-1)!.step).toBe('awaiting-approval');
    expect(Date.parse(value.waiting.approvalDeadline!) - waitedFrom).toBe(DAY);
    expect(Date.parse(value.outcome.report.finishedAt) - waitedFrom).toBeGreaterThanOrEqual(DAY);
    expect(Date.parse(value.outcome.report.finishedAt) - waitedFrom).toBeLessThan(DAY + 60_000);
    expect(value.outcome.cause).toMatchObject({ type: 'ApprovalTimedOut', nonRetryable: true });
    expect(value.outcome.cause.message).toBe('release rel-new was abandoned: nobody approved or rejected it within 24 hours');
    expect(value.outcome.report).toMatchObject({ status: 'abandoned', step: 'abandoned', rollbackCommand: null, decision: null });
    expect(value.searchOutcome).toBe('abandoned');
    expect(mock.named('pointEnvironment').map((c) => c.environment)).toEqual(['staging']);
    expect(mock.pointers.production).toBe('rel-old');
    expect(mock.named('recordReleaseOutcome').map((c) => c.status)).toEqual(['awaiting-approval', 'abandoned']);
    expect(mock.named('releaseReleaseLock')).toHaveLength(1);
  });

  it('an approval promotes, purges only the changed routes, tags and verifies production', async () => {
    const { value, mock } = await withLiveRelease({}, input(), async (handle) => {
      await reach(handle, 'awaiting-approval');
      const afterUpdate = await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'proofread' }] });
      const report = await handle.result();
      const finalStatus = await handle.query(releaseStatusQuery);
      // The promotion started an incremental reindex as a child that outlives it (ABANDON).
      const child = promoting.client.workflow.getHandle(WorkflowIds.reindexIncremental('rel-new'));
      const refresh = (await child.result()) as ReindexReport;
      const childDescription = await child.describe();
      return {
        afterUpdate,
        report,
        finalStatus,
        refresh,
        childParent: childDescription.parentExecution?.workflowId,
        childType: childDescription.type,
        searchOutcome: (await handle.describe()).typedSearchAttributes.get(PressroomOutcome),
      };
    });
    expect(value.childType).toBe('reindexWorkflow');
    expect(value.childParent).toBe(value.report.workflowId);
    expect(value.refresh).toMatchObject({ mode: 'incremental', requestedBy: 'lead', reason: 'after the promotion of rel-new', caughtUp: { upserted: 2 } });
    expect(mock.refreshes).toHaveLength(1);
    expect(value.afterUpdate).toMatchObject({ step: 'promoting', decision: { by: 'lead', reason: 'proofread', approved: true } });
    expect(mock.calls.map((c) => c.name)).toEqual([
      'acquireReleaseLock',
      'buildRelease',
      'runChecks',
      'pointEnvironment',
      'purgeRoutes',
      'verifyEnvironment',
      'recordReleaseOutcome',
      'pointEnvironment',
      'purgeRoutes',
      'tagRelease',
      'verifyEnvironment',
      'recordReleaseOutcome',
      'releaseReleaseLock',
    ]);
    expect(mock.named('pointEnvironment')[1]).toMatchObject({
      environment: 'production',
      releaseId: 'rel-new',
      action: 'promote',
      actor: 'lead',
      reason: 'proofread',
    });
    expect(mock.named('purgeRoutes')[1]).toEqual({ environment: 'production', releaseId: 'rel-new', previous: 'rel-old' });
    expect(mock.named('verifyEnvironment').map((c) => [c.environment, c.previous])).toEqual([
      ['staging', 'rel-old'],
      ['production', 'rel-old'],
    ]);
    expect(mock.pointers).toEqual({ staging: 'rel-new', production: 'rel-new' });
    expect(value.report).toMatchObject({
      status: 'live',
      tag: '2025.03.01-1',
      rollbackCommand: 'pressroom rollback rel-old',
      production: { timings: { p95: 20 } },
      plan: { diff: { added: 1, updated: 1 } },
    });
    expect(mock.named('recordReleaseOutcome').at(-1)).toMatchObject({ status: 'live', decision: { by: 'lead', reason: 'proofread' } });
    expect(value.finalStatus.step).toBe('live');
    expect(value.searchOutcome).toBe('live');
  });

  it('a rejection ends the release with no change to production', async () => {
    const { value, mock } = await withRelease({}, input(), async (handle) => {
      await reach(handle, 'awaiting-approval');
      await handle.executeUpdate(rejectReleaseUpdate, { args: [{ by: 'lead', reason: 'wrong embargo date' }] });
      return failureOf(handle.result());
    });
    expect(value.cause).toMatchObject({ type: 'ApprovalRejected', nonRetryable: true });
    expect(value.cause.message).toBe('release rel-new was rejected: rejected by lead: wrong embargo date');
    expect(value.report).toMatchObject({ status: 'rejected', decision: { approved: false, by: 'lead' } });
    expect(mock.named('pointEnvironment').filter((c) => c.environment === 'production')).toEqual([]);
    expect(mock.pointers.production).toBe('rel-old');
    expect(mock.named('recordReleaseOutcome').at(-1)).toMatchObject({ status: 'rejected', reason: 'rejected by lead: wrong embargo date' });
  });

  it('refuses empty names and reasons, and decisions before the wait or after the end; a valid one still lands', async () => {
    let openGate!: () => void;
    const checksGate = new Promise<void>((r) => (openGate = r));
    const { value, mock } = await withLiveRelease({ checksGate }, input(), async (handle) => {
      const refusal = async (update: typeof approveReleaseUpdate, args: unknown) => {
        const error = await handle.executeUpdate(update, { args: [args as never] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
        const cause = (error as WorkflowUpdateFailedError).cause as Error & { type?: string };
        expect(cause.type).toBe('InvalidInput');
        return cause.message;
      };
      await reach(handle, 'checking');
      const early = await refusal(approveReleaseUpdate, { by: 'lead', reason: 'ok' });
      openGate();
      await reach(handle, 'awaiting-approval');
      const emptyName = await refusal(approveReleaseUpdate, { by: '', reason: 'ok' });
      const blankReason = await refusal(rejectReleaseUpdate, { by: 'lead', reason: '   ' });
      const unknownField = await refusal(approveReleaseUpdate, { by: 'lead', reason: 'ok', force: true });
      const stillWaiting = await handle.query(releaseStatusQuery);
      await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'ok' }] });
      const second = await refusal(rejectReleaseUpdate, { by: 'other', reason: 'too late' });
      await handle.result();
      const afterEnd = await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'again' }] }).catch((e: unknown) => e);
      return { early, emptyName, blankReason, unknownField, stillWaiting, second, afterEnd };
    });
    expect(value.early).toBe('approveRelease refused: release rel-new is not awaiting approval: it is running the content checks');
    expect(value.emptyName).toBe("approveRelease refused: by: expected the decider's name, not an empty name");
    expect(value.blankReason).toMatch(/^rejectRelease refused: reason: expected a non-empty reason/);
    expect(value.unknownField).toContain('Unrecognized key: "force"');
    expect(value.second).toBe('rejectRelease refused: release rel-new was already approved by lead');
    expect(value.stillWaiting).toMatchObject({ step: 'awaiting-approval', decision: null });
    // A finished release takes no decision at all: the server refuses the update.
    expect(value.afterEnd).toBeInstanceOf(Error);
    expect(mock.pointers.production).toBe('rel-new');
    expect(mock.named('pointEnvironment').filter((c) => c.environment === 'production')).toHaveLength(1);
  });

  it('failed blocking checks end the release non-retryably with the report; nothing is staged or promoted', async () => {
    const { value, mock } = await withRelease({ checks: BLOCKING }, input(), (handle) => failureOf(handle.result()));
    expect(value.cause).toMatchObject({ type: 'ChecksFailed', nonRetryable: true });
    expect(value.cause.message).toBe('release rel-new failed: blocking checks failed: title (3 articles, e.g. a2: empty title)');
    expect(value.report.checks).toEqual(BLOCKING);
    expect(mock.named('pointEnvironment')).toEqual([]);
    expect(mock.named('runChecks')).toHaveLength(1);
    expect(mock.named('recordReleaseOutcome')).toEqual([
      { releaseId: 'rel-new', status: 'failed', checks: BLOCKING, decision: null, reason: value.report.reason },
    ]);
    expect(mock.named('releaseReleaseLock')).toHaveLength(1);
  });

  it('auto-approves when every check passed, and still waits when a warning failed', async () => {
    const auto = await withLiveRelease({}, input({ autoApprove: true }), (handle) => handle.result());
    expect(auto.value).toMatchObject({ status: 'live', decision: { by: 'ed', reason: 'auto-approved: every check passed' } });
    expect(auto.mock.named('recordReleaseOutcome').map((c) => c.status)).toEqual(['live']);

    const warned = await withLiveRelease({ checks: WARNING }, input({ autoApprove: true }), async (handle) => {
      const status = await reach(handle, 'awaiting-approval');
      await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'the dead link is known' }] });
      return { status, report: await handle.result() };
    });
    expect(warned.value.status.checks).toEqual(WARNING);
    expect(warned.value.report.status).toBe('live');
  });

  it('a staging that does not verify fails the release before production is touched', async () => {
    const { value, mock } = await withRelease({ verifyFailures: { staging: Infinity } }, input(), (handle) => failureOf(handle.result()));
    expect(value.cause).toMatchObject({ type: 'VerificationFailed' });
    expect(value.report.reason).toBe('verifying staging failed: /staging/articles/a1 answered 500; production was not touched');
    // Retried by its profile, then given up.
    expect(mock.named('verifyEnvironment')).toHaveLength(4);
    expect(mock.named('pointEnvironment').map((c) => c.environment)).toEqual(['staging']);
    expect(mock.pointers.production).toBe('rel-old');
  });

  it('a production that does not verify after promotion is compensated back to the previous release and purged again', async () => {
    const { value, mock } = await withRelease({ verifyFailures: { production: Infinity } }, input({ autoApprove: true }), (handle) =>
      failureOf(handle.result()),
    );
    expect(value.cause).toMatchObject({ type: 'VerificationFailed', nonRetryable: true });
    expect(value.report).toMatchObject({
      status: 'rolled-back',
      compensation: { from: 'rel-new', to: 'rel-old', purge: { keys: 4 } },
      rollbackCommand: null,
      tag: '2025.03.01-1',
    });
    expect(value.report.reason).toBe('verifying production failed: /production/articles/a1 answered 500; production points at rel-old again');
    const production = mock.named('pointEnvironment').filter((c) => c.environment === 'production');
    expect(production.map((c) => [c.releaseId, c.action])).toEqual([
      ['rel-new', 'promote'],
      ['rel-old', 'compensate'],
    ]);
    expect(mock.named('purgeRoutes').at(-1)).toEqual({ environment: 'production', releaseId: 'rel-old', previous: 'rel-new' });
    expect(mock.pointers.production).toBe('rel-old');
    expect(mock.named('recordReleaseOutcome').at(-1)).toMatchObject({ status: 'rolled-back' });
    expect(mock.calls.at(-1)?.name).toBe('releaseReleaseLock');
  });

  it('a purge that keeps failing after promotion is compensated too', async () => {
    const { value, mock } = await withRelease({ purgeFailures: { production: 6 } }, input({ autoApprove: true }), (handle) => failureOf(handle.result()));
    expect(value.cause).toMatchObject({ type: 'PurgeFailed' });
    expect(value.report.status).toBe('rolled-back');
    expect(mock.pointers.production).toBe('rel-old');
    expect(mock.named('tagRelease')).toEqual([]);
  });

  it('a first release that fails after promotion has nothing to go back to: it ends failed and says so', async () => {
    const plan = releasePlan({ baseRelease: null });
    const { value, mock } = await withRelease({ plan, verifyFailures: { production: Infinity } }, input({ autoApprove: true }), (handle) =>
      failureOf(handle.result()),
    );
    expect(value.cause).toMatchObject({ type: 'VerificationFailed' });
    expect(value.report.status).toBe('failed');
    expect(value.report.reason).toMatch(/there is no earlier release to go back to, so production still serves rel-new$/);
    expect(mock.named('pointEnvironment').filter((c) => c.action === 'compensate')).toEqual([]);
  });

  it('is refused with ReleaseInProgress while another release holds the lock, building nothing', async () => {
    const { value, mock } = await withRelease({ lockHeldBy: 'release-other' }, input(), (handle) => failureOf(handle.result()));
    expect(value.cause).toMatchObject({ type: 'ReleaseInProgress', nonRetryable: true });
    expect(value.cause.message).toContain('another release holds the lock: release-other');
    expect(mock.calls.map((c) => c.name)).toEqual(['acquireReleaseLock', 'releaseReleaseLock']);
  });

  it('a cancel while awaiting approval abandons the release and leaves production alone', async () => {
    const { value, mock } = await withRelease({}, input(), async (handle) => {
      await reach(handle, 'awaiting-approval');
      await handle.cancel();
      const error = await handle.result().catch((e: unknown) => e);
      return { error, status: await handle.query(releaseStatusQuery) };
    });
    expect((value.error as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    expect(value.status).toMatchObject({ step: 'abandoned', reason: 'cancelled before promotion; production was not touched' });
    expect(mock.pointers.production).toBe('rel-old');
    expect(mock.named('recordReleaseOutcome').at(-1)).toMatchObject({ status: 'abandoned' });
    expect(mock.named('releaseReleaseLock')).toHaveLength(1);
  });
});
