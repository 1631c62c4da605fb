import { ErrorType, PressroomError } from '../domain/errors.js';

// The CLI's own errors. main() maps them to exit codes: a UsageError is 2 (the command line was
// wrong; retrying it unchanged never helps), anything else 1.

/** The command line was malformed: a flag's value, a missing or extra argument. Exit status 2. */
export class UsageError extends PressroomError {
  constructor(message: string) {
    super(ErrorType.InvalidInput, message);
  }
}

/**
 * The worker's HTTP API could not be reached or answered with an error. Unreachable or 5xx is
 * ApiUnavailable (retrying once the worker runs helps); a 4xx is InvalidInput (the request was wrong).
 */
export class ApiError extends PressroomError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(status !== undefined && status >= 400 && status < 500 ? ErrorType.InvalidInput : ErrorType.ApiUnavailable, message);
  }
}
