import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';

// How a run that did not succeed ended, for every starter that waits for a result: cancelled,
// terminated, timed out, or failed with a vocabulary type (and the report a workflow puts in its
// failure's details, when it made one).

export type Ended<R> = { kind: 'ended'; status: 'failed' | 'cancelled' | 'terminated' | 'timed out'; type: string; message: string; report: R | null };

/** The outcome a WorkflowFailedError stands for; any other error is not an outcome and is rethrown. */
export function endedOutcome<R>(error: unknown, isReport: (value: unknown) => value is R): Ended<R> {
  if (!(error instanceof WorkflowFailedError)) throw error;
  const cause = error.cause;
  if (cause instanceof CancelledFailure) return { kind: 'ended', status: 'cancelled', type: 'Cancelled', message: 'the run was cancelled', report: null };
  if (cause instanceof TerminatedFailure)
    return { kind: 'ended', status: 'terminated', type: 'Terminated', message: cause.message || error.message, report: null };
  if (cause instanceof TimeoutFailure) return { kind: 'ended', status: 'timed out', type: 'TimedOut', message: cause.message || error.message, report: null };
  if (cause instanceof ApplicationFailure) {
    const report = cause.details?.[0];
    return { kind: 'ended', status: 'failed', type: cause.type ?? 'Unexpected', message: cause.message, report: isReport(report) ? report : null };
  }
  return { kind: 'ended', status: 'failed', type: cause?.name ?? 'Unexpected', message: cause?.message ?? error.message, report: null };
}
