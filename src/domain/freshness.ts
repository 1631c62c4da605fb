import { z } from 'zod';

// The freshness sweep: an approved article whose last review is older than the sweep's age goes back
// to `pending`, so it is looked at again before its next release. "Last review" is the newer of the
// content's own `revision.lastReviewed` and an editor's latest approval (`pressroom review approve`):
// an editor who re-approves an old article restarts its clock; the sweep does not undo them the next day.

/** The age a client uses when none is given: a year. */
export const DEFAULT_FRESHNESS_MAX_AGE_DAYS = 365;
/** At most this many source ids in a sweep's report (the database keeps the whole list). */
export const FRESHNESS_REPORT_MAX_IDS = 1_000;
/** Who the articles' review state names as having moved them back. */
export const FRESHNESS_REVIEWER = 'freshness-sweep';

/** freshnessSweepWorkflow's input. Every field is required: the client fills in the defaults. */
export const FreshnessSweepInput = z.strictObject({
  requestedBy: z.string('expected the name of who asked').trim().min(1, 'expected a non-empty name').max(200, 'expected at most 200 characters'),
  maxAgeDays: z
    .number('expected a number of days')
    .int('expected a whole number of days')
    .min(1, 'expected 1 to 3650 days')
    .max(3_650, 'expected 1 to 3650 days'),
});
export type FreshnessSweepInput = z.infer<typeof FreshnessSweepInput>;

/** What a client asks for: the input with its defaults still to fill in. */
export const FreshnessSweepRequest = z.strictObject({
  requestedBy: FreshnessSweepInput.shape.requestedBy,
  maxAgeDays: FreshnessSweepInput.shape.maxAgeDays.default(DEFAULT_FRESHNESS_MAX_AGE_DAYS),
});
export type FreshnessSweepRequest = z.input<typeof FreshnessSweepRequest>;

export type FreshnessSweepReport = {
  sweepId: string;
  requestedBy: string;
  maxAgeDays: number;
  /** Reviewed before this day (UTC, YYYY-MM-DD) means stale; reviewed on it is still fresh. */
  cutoff: string;
  /** Articles moved back to pending by this sweep. */
  stale: number;
  /** Their source ids, sorted; the first FRESHNESS_REPORT_MAX_IDS when there are more. */
  sourceIds: string[];
  truncated: boolean;
  /** Approved articles with no review date at all: left as they are, counted so someone can look. */
  undated: number;
};

/** The first day that is still fresh: `maxAgeDays` before `asOf`'s UTC day. */
export function freshnessCutoff(asOf: Date, maxAgeDays: number): string {
  const day = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate());
  return new Date(day - maxAgeDays * 86_400_000).toISOString().slice(0, 10);
}
