import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

function usageMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  // Node's own text for this case runs on into advice about `--`; the flag is what the user needs.
  const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(message ?? '') : null;
  return unknown ? `unknown option "${unknown[1]}"` : String(message ?? error);
}

/** node:util parseArgs with errors turned into UsageError (exit code 2). */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(usageMessage(error));
  }
}

/** A whole-number flag within [min, max]; undefined when the flag was not given. */
export function parseWholeNumber(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} expects a whole number ${range}, got "${value}"`);
  }
  return n;
}

export function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`--${name} expects a port number 1-65535, got "${value}"`);
  return port;
}
