import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

// Flag values, checked where they are parsed: each parser throws a UsageError naming the flag, the
// form expected and what it got, so commander's generic "argument is invalid" text never shows.

export { UsageError };

function usageMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  // Node's own text for this case runs on into advice about `--`; the flag is what the user needs.
  const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(message ?? '') : null;
  return unknown ? `unknown option "${unknown[1]}"` : String(message ?? error);
}

/** node:util parseArgs with errors turned into UsageError (exit code 2). Kept for commands not yet on commander. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(usageMessage(error));
  }
}

function range(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
}

/** A whole-number flag within [min, max]; undefined when the flag was not given. */
export function parseWholeNumber(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} expects a whole number ${range(min, max)}, got "${value}"`);
  }
  return n;
}

export function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`--${name} expects a port number 1-65535, got "${value}"`);
  return port;
}

// Commander argument parsers: (value) => parsed, throwing UsageError.

export const wholeNumber =
  (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number =>
    parseWholeNumber(name, value, min, max) as number;

export const port =
  (name: string) =>
  (value: string): number =>
    parsePort(name, value) as number;

/** A fraction 0..1 written as a plain decimal: no hex, exponents, blanks or signs. */
export const fraction =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value) || !(n >= 0 && n <= 1)) throw new UsageError(`--${name} expects a decimal number from 0 to 1, got "${value}"`);
    return n;
  };

export const nonEmpty =
  (name: string, what: string) =>
  (value: string): string => {
    if (value.trim() === '') throw new UsageError(`--${name} expects ${what}, got an empty string`);
    return value;
  };
