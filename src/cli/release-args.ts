import { MAX_APPROVAL_TIMEOUT_MS, MIN_APPROVAL_TIMEOUT_MS, ReleaseId } from '../domain/release/input.js';
import { durationWords } from '../domain/release/machine.js';
import { UsageError } from './errors.js';

// Flag and argument parsers of the release commands, kept apart from release.ts so that declaring
// the commands (and `--help`) loads no Temporal module.

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--approval-timeout 90m`: a whole number and a unit (s, m, h, d), from 1 minute to 30 days; milliseconds out. */
export const approvalTimeout =
  (name: string) =>
  (value: string): number => {
    const match = /^(\d{1,9})([smhd])$/.exec(value.trim());
    const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
    if (!(ms >= MIN_APPROVAL_TIMEOUT_MS && ms <= MAX_APPROVAL_TIMEOUT_MS)) {
      throw new UsageError(
        `--${name} expects a duration such as 90m, 24h or 3d (a whole number and s, m, h or d) from ${durationWords(MIN_APPROVAL_TIMEOUT_MS)} to ${durationWords(MAX_APPROVAL_TIMEOUT_MS)}, got "${value}"`,
      );
    }
    return ms;
  };

/** A RELEASE argument: a release id (rel-…, rb-…) or a release's workflow id (release-rel-…). */
export function releaseRef(what: string, value: string): string {
  const parsed = ReleaseId.safeParse(value);
  if (!parsed.success || value.includes('/')) {
    throw new UsageError(`${what} expects a release id such as rel-0123456789abcdef (or its workflow id release-rel-…), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A non-empty text flag (a reason, a name), trimmed. */
export const text =
  (name: string, what: string) =>
  (value: string): string => {
    if (value.trim() === '') throw new UsageError(`--${name} expects ${what}, got an empty string`);
    return value.trim();
  };
