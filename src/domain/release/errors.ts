import { ErrorType, PressroomError } from '../errors.js';

// The release's own errors. Each carries its vocabulary type, so an activity maps it by lookup.

/** Another release or rollback holds the release lock. Names the holder, so an operator can attach to it or wait. */
export class ReleaseInProgressError extends PressroomError {
  constructor(
    readonly holder: string,
    readonly releaseId: string | null,
    since: string,
  ) {
    super(
      ErrorType.ReleaseInProgress,
      `another release is running: workflow ${holder}${releaseId ? ` (release ${releaseId})` : ''} has held the release lock since ${since}; ` +
        'wait for it to finish or attach to it (not retryable while it runs)',
    );
  }
}

/** A named release does not exist, or there is nothing to release or roll back. */
export class ReleaseNotFoundError extends PressroomError {
  constructor(message: string) {
    super(ErrorType.ReleaseNotFound, message);
  }
}
