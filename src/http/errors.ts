import { ErrorType, PressroomError } from '../domain/errors.js';

/**
 * A request the API refuses (400): names the parameter and the form expected. The client's fault, so
 * retrying the same request never helps.
 */
export class BadRequestError extends PressroomError {
  constructor(
    message: string,
    readonly parameter?: string,
    readonly expected?: string,
  ) {
    super(ErrorType.InvalidInput, message);
  }
}

/** Quotes a request-supplied value for an error message, shortened so an error never echoes a whole payload. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

export function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Refuses a malformed %-escape (a broken escape, or escapes that do not form UTF-8) in a path or query. */
export function assertWellEscaped(text: string, where: 'path' | 'query'): void {
  try {
    decodeURIComponent(where === 'query' ? text.replace(/\+/g, ' ') : text);
  } catch {
    throw new BadRequestError(
      where === 'path'
        ? `the path has a malformed %-escape: ${quote(text)} (expected % followed by two hex digits forming UTF-8)`
        : `the query string has a malformed %-escape (expected % followed by two hex digits forming UTF-8)`,
      where,
      '%XX escapes forming UTF-8',
    );
  }
}
