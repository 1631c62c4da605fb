import { ErrorType, PressroomError } from '../errors.js';

// Release tags: YYYY.MM.DD-N, the UTC date of tagging and the day's sequence number from 1. They sort
// by date, then (compared as numbers) by N; the database's UNIQUE constraint settles two taggers racing.

export const TAG_PATTERN = /^(\d{4})\.(\d{2})\.(\d{2})-([1-9]\d{0,5})$/;

/** The tag's date part for an instant, in UTC: `2025.03.09`. */
export function tagDay(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new PressroomError(ErrorType.InvalidInput, 'cannot tag a release at an invalid date');
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getUTCFullYear()}.${pad(at.getUTCMonth() + 1)}.${pad(at.getUTCDate())}`;
}

export function parseTag(tag: string): { day: string; n: number } | null {
  const match = TAG_PATTERN.exec(tag);
  if (!match) return null;
  return { day: `${match[1]}.${match[2]}.${match[3]}`, n: Number(match[4]) };
}

/**
 * The next tag for the day of `at`, given tags that exist (any day; others are ignored): one more than
 * the day's highest N, so a gap left by a deleted tag is never reused for a different release.
 */
export function nextTag(at: Date, existing: Iterable<string>): string {
  const day = tagDay(at);
  let highest = 0;
  for (const tag of existing) {
    const parsed = parseTag(tag);
    if (parsed && parsed.day === day && parsed.n > highest) highest = parsed.n;
  }
  return `${day}-${highest + 1}`;
}
