// The one small database interface both backends implement. Queries are plain PostgreSQL with $n
// parameters, written to run on PostgreSQL 15 (the server here) and 18 (PGlite).

import { ErrorType, PressroomError } from '../domain/errors.js';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * A jsonb parameter given as UTF-8 JSON bytes, for JSON that is already bytes (a batch's articles, as
 * parse threads send them). node-postgres sends it in jsonb's binary form (a version byte, then the
 * text), so it never becomes a JavaScript string on the way; PGlite is given the text.
 */
export class JsonbParam {
  /** jsonb's binary input: the format version, then the JSON text. */
  static readonly VERSION = 1;
  /** `binary`: the version byte, then the JSON (see JsonbParam.from); node-postgres sends a Buffer as it is. */
  private constructor(readonly binary: Buffer) {}

  /** Joins parts of JSON text into one parameter; they must add up to one JSON value. */
  static from(parts: readonly Uint8Array[]): JsonbParam {
    return new JsonbParam(Buffer.concat([VERSION_BYTE, ...parts]));
  }

  text(): string {
    return utf8.decode(this.binary.subarray(1));
  }
}

const VERSION_BYTE = Uint8Array.of(JsonbParam.VERSION);
const utf8 = new TextDecoder();

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction: everything it wrote commits together or not at all. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Cheap round trip for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The database cannot be reached or is shutting down: a retry (Temporal's backoff) can fix it. */
export class DatabaseUnavailableError extends PressroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorType.DatabaseUnavailable, message, options);
  }
}

/**
 * SQLSTATE classes and codes, first match wins (PostgreSQL appendix A). Only these two kinds are
 * classified: everything else (syntax errors, undefined tables, ...) is a bug, so Unexpected.
 */
export const SQLSTATE_TABLE: ReadonlyArray<{ prefix: string; type: typeof ErrorType.DatabaseUnavailable | typeof ErrorType.DataRefused; meaning: string }> = [
  { prefix: '08', type: ErrorType.DatabaseUnavailable, meaning: 'connection exception' },
  { prefix: '53', type: ErrorType.DatabaseUnavailable, meaning: 'insufficient resources (disk full, out of memory, too many connections)' },
  { prefix: '57P', type: ErrorType.DatabaseUnavailable, meaning: 'operator intervention (shutdown, crash recovery)' },
  { prefix: '40001', type: ErrorType.DatabaseUnavailable, meaning: 'serialization failure' },
  { prefix: '40P01', type: ErrorType.DatabaseUnavailable, meaning: 'deadlock detected' },
  { prefix: '22', type: ErrorType.DataRefused, meaning: 'data exception (NUL byte, invalid text, out of range)' },
  { prefix: '23', type: ErrorType.DataRefused, meaning: 'integrity constraint violation (unique, check, foreign key)' },
];

// Node's socket errors: the server is unreachable, which is the same as a connection exception.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
// node-postgres reports a lost or unobtainable connection with these messages and no code.
const UNREACHABLE_MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed and is not queryable|Cannot use a pool after calling end/i;

/** A database error's SQLSTATE (PostgreSQL and PGlite both put it in `code`), if it has one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** DatabaseUnavailable, DataRefused, or undefined for an error that is not a classified database error. */
export function classifyDbError(error: unknown, depth = 0): typeof ErrorType.DatabaseUnavailable | typeof ErrorType.DataRefused | undefined {
  if (error instanceof DatabaseUnavailableError) return ErrorType.DatabaseUnavailable;
  if (typeof error !== 'object' || error === null) return undefined;
  // Socket codes first: EPIPE has the shape of a SQLSTATE.
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return ErrorType.DatabaseUnavailable;
  const state = sqlState(error);
  if (state) return SQLSTATE_TABLE.find((row) => state.startsWith(row.prefix))?.type;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)) return ErrorType.DatabaseUnavailable;
  // A wrapper (an AggregateError from a failed connect, a rethrow with a cause) classifies by what it wraps.
  const inner =
    (error as { cause?: unknown; errors?: unknown }).cause ??
    (Array.isArray((error as { errors?: unknown }).errors) ? (error as { errors: unknown[] }).errors[0] : undefined);
  return depth < 4 && inner !== undefined ? classifyDbError(inner, depth + 1) : undefined;
}

/** True for failures a retry can fix: lost connections, server shutdown, serialization conflicts. */
export function isTransientDbError(error: unknown): boolean {
  return classifyDbError(error) === ErrorType.DatabaseUnavailable;
}

/** True when the database refused the data itself (SQLSTATE 22, 23): retrying only repeats the refusal. */
export function isDataRefusal(error: unknown): boolean {
  return classifyDbError(error) === ErrorType.DataRefused;
}

/** The database's reason in one short line, e.g. `duplicate key value ... (Key (slug)=(x) already exists.)`. */
export function shortDbReason(error: unknown, max = 240): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = typeof error === 'object' && error !== null ? (error as { detail?: unknown }).detail : undefined;
  const state = sqlState(error);
  const text = [message.split('\n')[0], typeof detail === 'string' && detail ? `(${detail})` : '', state ? `[SQLSTATE ${state}]` : '']
    .filter(Boolean)
    .join(' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// PostgreSQL text cannot hold NUL, and jsonb refuses a lone surrogate's escape.
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const UNSTORABLE = /[\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text the database can store, with what it could not written as a visible `\uXXXX` escape. For what
 * Pressroom writes about a document (its path, field paths, error messages), never for its content:
 * content the database refuses is quarantined, not rewritten.
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
