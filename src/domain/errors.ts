// The one error vocabulary. Every error Pressroom throws carries one of these types: activities throw
// ApplicationFailure with it, activity proxies list the non-retryable ones, the CLI turns it into an
// exit code. Each name says what failed, so an operator reading the Web UI knows whether a retry helps.

export const ErrorType = {
  /** A document broke the article format (FORMAT.md). Not retryable. */
  InvalidArticle: 'InvalidArticle',
  /** A workflow, HTTP or CLI argument was malformed. Not retryable. */
  InvalidInput: 'InvalidInput',
  /** A source path does not exist or cannot be read as a source. Not retryable. */
  SourceNotFound: 'SourceNotFound',
  /** Configuration (environment) is invalid. Not retryable. */
  InvalidConfig: 'InvalidConfig',
  /** The database refused a write for a data reason (SQLSTATE classes 22 and 23). Not retryable. */
  DataRefused: 'DataRefused',
  /** A shipped migration changed after it was applied: the schema can no longer be trusted. Not retryable. */
  MigrationChanged: 'MigrationChanged',
  /** A data directory is held by another live process. Not retryable while that process runs. */
  DataDirLocked: 'DataDirLocked',
  /** A Temporal binary (CLI, test server) could not be found or installed. Not retryable. */
  BinaryNotFound: 'BinaryNotFound',
  /** A port the dev stack needs is held by another process. Not retryable while that process holds it. */
  PortInUse: 'PortInUse',
  /** A file-system error that may pass (EMFILE, ENFILE, EIO, EAGAIN, EBUSY): the source is there but could not be read just now. Retryable. */
  SourceUnavailable: 'SourceUnavailable',
  /** The database could not be reached or a transaction failed for a transient reason. Retryable. */
  DatabaseUnavailable: 'DatabaseUnavailable',
  /** The Temporal server could not be reached. Retryable. */
  TemporalUnavailable: 'TemporalUnavailable',
  /** The worker's HTTP API could not be reached or answered with a server error. Retryable. */
  ApiUnavailable: 'ApiUnavailable',
  /** A deliberately transient failure (used by the plumbing probe). Retryable. */
  TransientFailure: 'TransientFailure',
  /** A release's blocking content checks failed: the content must change first. Not retryable. */
  ChecksFailed: 'ChecksFailed',
  /** A reviewer rejected a release waiting for approval. Not retryable. */
  ApprovalRejected: 'ApprovalRejected',
  /** Nobody approved a release within its approval timeout; it was abandoned. Not retryable. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** Another release or rollback holds the release lock. Not retryable while it runs. */
  ReleaseInProgress: 'ReleaseInProgress',
  /** A release or rollback names a release that does not exist, or there is nothing to release. Not retryable. */
  ReleaseNotFound: 'ReleaseNotFound',
  /** The cache refused or failed a purge. Retryable: caches come back. */
  PurgeFailed: 'PurgeFailed',
  /** An environment did not serve what its release holds (a route not 200, a wrong title). Retryable a few times, then the release compensates. */
  VerificationFailed: 'VerificationFailed',
  /** Another full reindex is building a search generation. Not retryable while it runs. */
  ReindexInProgress: 'ReindexInProgress',
  /** There is no search index yet, no earlier generation to roll back to, or nothing in production to index. Not retryable. */
  SearchIndexNotFound: 'SearchIndexNotFound',
  /** A new search generation failed its verification: it was not swapped in. Not retryable: the content or the index must change. */
  ReindexVerificationFailed: 'ReindexVerificationFailed',
  /** A schedule in the schedules file has the id of a schedule Pressroom does not own, or two applies raced. Not retryable: rename the entry or remove the other schedule. */
  ScheduleConflict: 'ScheduleConflict',
  /** No schedule has that id, or it is not one of Pressroom's. Not retryable. */
  ScheduleNotFound: 'ScheduleNotFound',
  /** Anything not classified above: a bug or an unforeseen fault. Retried a bounded number of times, logged with its stack. */
  Unexpected: 'Unexpected',
} as const;

export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Error types a retry can never fix; every activity proxy lists these. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.InvalidArticle,
  ErrorType.InvalidInput,
  ErrorType.SourceNotFound,
  ErrorType.InvalidConfig,
  ErrorType.DataRefused,
  ErrorType.MigrationChanged,
  ErrorType.DataDirLocked,
  ErrorType.BinaryNotFound,
  ErrorType.PortInUse,
  ErrorType.ChecksFailed,
  ErrorType.ApprovalRejected,
  ErrorType.ApprovalTimedOut,
  ErrorType.ReleaseInProgress,
  ErrorType.ReleaseNotFound,
  ErrorType.ReindexInProgress,
  ErrorType.SearchIndexNotFound,
  ErrorType.ReindexVerificationFailed,
  ErrorType.ScheduleConflict,
  ErrorType.ScheduleNotFound,
];

/**
 * How many attempts an Unexpected failure gets. Temporal's retry policy cannot budget per error type,
 * so the activity itself marks an Unexpected failure non-retryable from this attempt on: a passing
 * fault gets a few tries, a bug does not spin for the hours an outage budget allows.
 */
export const UNEXPECTED_MAX_ATTEMPTS = 5;

export function isRetryableType(type: ErrorType): boolean {
  return !NON_RETRYABLE_ERROR_TYPES.includes(type);
}

/**
 * The base of every error class Pressroom defines: it names its vocabulary type, so mapping an error
 * to an ApplicationFailure or an exit code is a lookup, never a guess from `error.name`.
 */
export class PressroomError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  get retryable(): boolean {
    return isRetryableType(this.type);
  }
}

/** The vocabulary type of any thrown value: a PressroomError's own, otherwise Unexpected. */
export function errorTypeOf(error: unknown): ErrorType {
  return error instanceof PressroomError ? error.type : ErrorType.Unexpected;
}
