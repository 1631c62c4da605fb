// The CLI's wait for an import's end, driven with stand-ins for Temporal: a restart of the server
// (reconnect, keep waiting, give up after a bound), no worker on the task queue (say so, keep waiting),
// and the ways a workflow ends.
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ServiceError,
  TerminatedFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { describe, expect, it, vi } from 'vitest';
import { isTransientTemporalError } from '../../src/cli/follow-run.js';
import { waitForImport, type WaitDeps, type WaitLimits } from '../../src/cli/import-wait.js';
import { Output } from '../../src/cli/output.js';
import { ErrorType, PressroomError } from '../../src/domain/errors.js';
import type { ImportProgress, ImportReport } from '../../src/domain/import/index.js';
import { stringSink } from './capture.js';

const FAST: WaitLimits = { giveUpAfterMs: 400, firstPollerCheckMs: 20, pollerCheckEveryMs: 50, retryEveryMs: 20, drawEveryMs: 10 };
const report: ImportReport = {
  importRunId: 'r',
  workflowId: 'import-x',
  status: 'completed',
  dryRun: false,
  total: 4,
  counts: { files: 4, documents: 4, created: 4, updated: 0, unchanged: 0, rejected: 0 },
  startedAt: 'a',
  finishedAt: 'b',
  runs: 1,
};
const progress: ImportProgress = {
  phase: 'importing',
  dryRun: false,
  total: 4,
  processed: 2,
  created: 2,
  updated: 0,
  unchanged: 0,
  rejected: 0,
  documents: 2,
  batchesInFlight: 1,
  runs: 1,
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unavailable = () =>
  new ServiceError('Failed to get Workflow execution history', {
    cause: Object.assign(new Error('14 UNAVAILABLE: Connection refused'), { code: 14, details: 'Connection refused', metadata: {} }),
  });

function deps(overrides: Partial<WaitDeps>): WaitDeps {
  return {
    workflowId: 'import-x',
    address: '127.0.0.1:7233',
    taskQueue: 'pressroom',
    result: () => Promise.resolve(report),
    progress: () => Promise.resolve(progress),
    pollers: () => Promise.resolve(1),
    reconnect: () => Promise.resolve(),
    ...overrides,
  };
}

function ui() {
  const stderr = stringSink();
  return { stderr, progress: new Output(stringSink(), stderr).progress(false) };
}

describe('waiting for an import', () => {
  it('reconnects when Temporal restarts mid-import and returns the report it completed with', async () => {
    let calls = 0;
    let reconnects = 0;
    const { stderr, progress: bar } = ui();
    const outcome = await waitForImport(
      deps({
        result: () => (++calls <= 3 ? Promise.reject(unavailable()) : Promise.resolve(report)),
        progress: () => Promise.reject(unavailable()),
        reconnect: () => Promise.resolve(void reconnects++),
      }),
      bar,
      FAST,
    );
    expect(outcome).toEqual({ kind: 'completed', report });
    expect(reconnects).toBe(3);
    expect(stderr.text).toMatch(/lost Temporal at 127.0.0.1:7233 \(Failed to get Workflow execution history\); reconnecting and still waiting for import-x/);
    expect(stderr.text.trimEnd().split('\n').at(-1)).toContain('100% 4/4 files');
  });

  it('gives up after the bound with a sentence naming the address and how to look later', async () => {
    const started = Date.now();
    const wait = waitForImport(
      deps({ result: () => Promise.reject(unavailable()), progress: () => Promise.reject(unavailable()), pollers: () => Promise.reject(unavailable()) }),
      ui().progress,
      FAST,
    );
    const error = await wait.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PressroomError);
    expect((error as PressroomError).type).toBe(ErrorType.TemporalUnavailable);
    expect((error as Error).message).toMatch(
      /^lost Temporal at 127.0.0.1:7233 for \d+ s while waiting for import import-x \(TEMPORAL_ADDRESS sets the address\)\. .*pressroom import status import-x/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.giveUpAfterMs);
  });

  it('a connection refused by connectClient while reconnecting counts as the same outage', () => {
    expect(isTransientTemporalError(new PressroomError(ErrorType.TemporalUnavailable, 'cannot reach Temporal'))).toBe(true);
    expect(isTransientTemporalError(new WorkflowNotFoundError('gone', 'import-x', undefined))).toBe(false);
    expect(isTransientTemporalError(new ServiceError('x', { cause: Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3 }) }))).toBe(false);
    expect(isTransientTemporalError(new Error('a bug'))).toBe(false);
  });

  it('says within the first check that no worker polls the task queue, keeps waiting, and says when one does', async () => {
    const { stderr, progress: bar } = ui();
    let pollers = 0;
    let finish: (r: ImportReport) => void = () => undefined;
    const wait = waitForImport(
      deps({
        result: () => new Promise<ImportReport>((resolve) => (finish = resolve)),
        // A query nobody answers hangs until its deadline: the worker check must not wait for it.
        progress: () => new Promise<ImportProgress>(() => undefined),
        pollers: () => Promise.resolve(pollers),
      }),
      bar,
      // The first check comes late enough that a loaded CI machine still sees nothing said before it
      // (a 20 ms check once raced a 10 ms sleep there).
      { ...FAST, firstPollerCheckMs: 400, drawEveryMs: 5 },
    );
    await sleep(10);
    expect(stderr.text).toBe('');
    await vi.waitFor(() => expect(stderr.text).toContain('no worker is polling task queue "pressroom" at 127.0.0.1:7233: import-x waits until one starts'), {
      timeout: 5_000,
      interval: 5,
    });
    expect(stderr.text).not.toContain('a worker polls task queue');
    pollers = 1;
    await vi.waitFor(() => expect(stderr.text).toContain('a worker polls task queue "pressroom" now; continuing'), { timeout: 5_000, interval: 5 });
    finish(report);
    expect(await wait).toEqual({ kind: 'completed', report });
  });

  it("a failed workflow is an outcome with the innermost failure's message and type", async () => {
    const cause = ApplicationFailure.create({ message: 'the database refused it: value too long', type: ErrorType.DataRefused, nonRetryable: true });
    const activity = new ActivityFailure('activity failed', 'importBatch', '3', RetryState.NON_RETRYABLE_FAILURE, 'w', cause);
    const failed = new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);
    const outcome = await waitForImport(deps({ result: () => Promise.reject(failed) }), ui().progress, FAST);
    expect(outcome).toEqual({
      kind: 'failed',
      status: 'failed',
      failure: { message: 'the database refused it: value too long', type: 'DataRefused', nonRetryable: true },
    });
  });

  it('terminated and cancelled workflows are told apart', async () => {
    const terminated = new WorkflowFailedError('operator said so', new TerminatedFailure('operator said so'), RetryState.NON_RETRYABLE_FAILURE);
    expect(await waitForImport(deps({ result: () => Promise.reject(terminated) }), ui().progress, FAST)).toEqual({
      kind: 'failed',
      status: 'terminated',
      failure: { message: 'operator said so', type: 'TerminatedFailure' },
    });
    const cancelled = new WorkflowFailedError('Workflow execution cancelled', new CancelledFailure('Workflow canceled'), RetryState.NON_RETRYABLE_FAILURE);
    expect(await waitForImport(deps({ result: () => Promise.reject(cancelled) }), ui().progress, FAST)).toEqual({ kind: 'cancelled' });
  });

  it('an error that is not an outage ends the wait at once', async () => {
    const error = await waitForImport(
      deps({ result: () => Promise.reject(new WorkflowNotFoundError('gone', 'import-x', undefined)) }),
      ui().progress,
      FAST,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
  });
});
