import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../domain/errors.js';
import { isTransientDbError } from '../store/db.js';

/**
 * Maps a store error to the error vocabulary: a transient database failure is retryable
 * (Temporal backs off and tries again), anything else is a bug or bad data and is not.
 */
export function toApplicationFailure(error: unknown, doing: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isTransientDbError(error)) {
    return ApplicationFailure.create({
      message: `database unavailable while ${doing}: ${message} (retryable)`,
      type: ErrorType.DatabaseUnavailable,
      nonRetryable: false,
      cause: error instanceof Error ? error : undefined,
    });
  }
  return ApplicationFailure.create({
    message: `${doing} failed: ${message}`,
    type: error instanceof Error ? error.name : 'Error',
    nonRetryable: false,
    cause: error instanceof Error ? error : undefined,
  });
}
