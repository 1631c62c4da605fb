import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors.js';

// What every workflow needs to report how a step ended: a failure named in the vocabulary, and now.

const VOCABULARY = new Set<string>(Object.values(ErrorType));

/** A failure's vocabulary type and message: an activity's ApplicationFailure speaks for itself, anything else is Unexpected. */
export function describeFailure(error: unknown): { type: ErrorType; message: string } {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (failure instanceof ApplicationFailure) {
    const type = failure.type && VOCABULARY.has(failure.type) ? (failure.type as ErrorType) : ErrorType.Unexpected;
    return { type, message: failure.message };
  }
  if (failure instanceof TimeoutFailure) return { type: ErrorType.Unexpected, message: `timed out (${failure.timeoutType})` };
  return { type: ErrorType.Unexpected, message: failure instanceof Error ? failure.message : String(failure) };
}

/** Now, as workflow code sees it (deterministic: the SDK's Date is the workflow task's time). */
export const now = (): string => new Date().toISOString();
