// The one error vocabulary. Activities throw ApplicationFailure with these types; activity proxies
// list the non-retryable ones in nonRetryableErrorTypes. Each name says what failed, so an operator
// reading the Web UI knows whether a retry can help.

/** Bad input: the same bytes give the same answer, so retrying never helps. */
export const ErrorType = {
  /** A document broke the article format (FORMAT.md). Not retryable. */
  InvalidArticle: 'InvalidArticle',
  /** A workflow or CLI argument was malformed. Not retryable. */
  InvalidInput: 'InvalidInput',
  /** A source path does not exist or cannot be read as a source. Not retryable. */
  SourceNotFound: 'SourceNotFound',
  /** Configuration (environment) is invalid. Not retryable. */
  InvalidConfig: 'InvalidConfig',
  /** The database could not be reached or a transaction failed for a transient reason. Retryable. */
  DatabaseUnavailable: 'DatabaseUnavailable',
  /** A deliberately transient failure (used by the plumbing probe). Retryable. */
  TransientFailure: 'TransientFailure',
} as const;

export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Error types a retry can never fix; every activity proxy lists these. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.InvalidArticle,
  ErrorType.InvalidInput,
  ErrorType.SourceNotFound,
  ErrorType.InvalidConfig,
];
