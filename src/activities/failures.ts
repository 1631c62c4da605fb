import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { ErrorType, PressroomError, UNEXPECTED_MAX_ATTEMPTS, isRetryableType } from '../domain/errors.js';
import { isTransientFsError } from '../sources/documents.js';
import { classifyDbError, shortDbReason } from '../store/db.js';

const VOCABULARY = new Set<string>(Object.values(ErrorType));

/**
 * The vocabulary type of any thrown value, exhaustively: a PressroomError's own type, a database
 * error through the SQLSTATE table (src/store/db.ts), and everything else is Unexpected. Never
 * `error.name`: a type outside the vocabulary would be retried by every proxy, whatever it means.
 */
export function classifyError(error: unknown): ErrorType {
  if (error instanceof PressroomError) return error.type;
  const db = classifyDbError(error);
  if (db) return db;
  if (isTransientFsError(error)) return ErrorType.SourceUnavailable;
  // A PressroomError from a second copy of this module (a bundle, a child build) fails instanceof.
  const type = error instanceof Error ? (error as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && VOCABULARY.has(type)) return type as ErrorType;
  return ErrorType.Unexpected;
}

/** This activity's attempt number, or undefined outside an activity (a plain call in a test). */
function currentAttempt(): number | undefined {
  try {
    return Context.current().info.attempt;
  } catch {
    return undefined;
  }
}

function logUnexpected(doing: string, error: unknown, attempt: number | undefined, lastTry: boolean): void {
  const meta = {
    doing,
    attempt,
    willRetry: !lastTry,
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  };
  try {
    log.error(`unexpected error while ${doing}`, meta);
  } catch {
    // No activity context (a unit test calling this directly): the failure itself still carries the message.
  }
}

/**
 * Maps any error to an ApplicationFailure of the vocabulary, saying whether a retry helps:
 * DatabaseUnavailable is retried with the profile's backoff; DataRefused and the other input types are
 * not; Unexpected is retried until attempt UNEXPECTED_MAX_ATTEMPTS and logged with its stack each time.
 */
export function toApplicationFailure(error: unknown, doing: string): ApplicationFailure | CancelledFailure {
  // Already a Temporal failure: a cancellation must stay one, or Temporal would retry a cancelled activity.
  if (error instanceof ApplicationFailure || error instanceof CancelledFailure) return error;
  const cause = error instanceof Error ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const type = classifyError(error);
  switch (type) {
    case ErrorType.DatabaseUnavailable:
      return ApplicationFailure.create({
        message: `database unavailable while ${doing}: ${message} (retryable: retried with backoff)`,
        type,
        nonRetryable: false,
        cause,
      });
    case ErrorType.DataRefused:
      return ApplicationFailure.create({
        message: `the database refused a write while ${doing}: ${error instanceof PressroomError ? message : shortDbReason(error)} (not retryable: the same data is refused again)`,
        type,
        nonRetryable: true,
        cause,
      });
    case ErrorType.Unexpected: {
      const attempt = currentAttempt();
      const lastTry = attempt !== undefined && attempt >= UNEXPECTED_MAX_ATTEMPTS;
      logUnexpected(doing, error, attempt, lastTry);
      const budget = lastTry ? `not retried: attempt ${attempt} of at most ${UNEXPECTED_MAX_ATTEMPTS}` : `retried, at most ${UNEXPECTED_MAX_ATTEMPTS} attempts`;
      return ApplicationFailure.create({ message: `${doing} failed unexpectedly: ${message} (${budget})`, type, nonRetryable: lastTry, cause });
    }
    default: {
      const retryable = isRetryableType(type);
      return ApplicationFailure.create({
        message: `${doing} failed: ${message} (${retryable ? 'retryable' : 'not retryable'})`,
        type,
        nonRetryable: !retryable,
        cause,
      });
    }
  }
}

/**
 * The last net: an error any activity lets escape (a bug outside its try/catch) is mapped like the rest,
 * so no failure ever reaches Temporal typed by `error.name` and retried by every policy. Cancellation
 * passes through untouched. Register it last, so the other interceptors see the mapped failure.
 */
export function failureMappingInterceptor(): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          if (ctx.cancellationSignal.aborted) throw error;
          throw toApplicationFailure(error, `running activity ${ctx.info.activityType}`);
        }
      },
    },
  });
}

/** Runs an activity's work, mapping anything it throws to the vocabulary (a cancellation stays one). */
export async function mapped<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CancelledFailure) throw error;
    throw toApplicationFailure(error, doing);
  }
}

/**
 * Whether a lock holder's workflow still runs, asked of Temporal through the activity's client. A holder
 * terminated or timed out never gives its lock back (the release lock, a building search generation);
 * one Temporal does not know runs nothing.
 */
export async function holderRunningInTemporal(workflowId: string): Promise<boolean> {
  try {
    const described = await Context.current().client.workflow.getHandle(workflowId).describe();
    return described.status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof Error && error.name === 'WorkflowNotFoundError') return false;
    throw error;
  }
}
