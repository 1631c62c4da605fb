import { FRESHNESS_REPORT_MAX_IDS, FRESHNESS_REVIEWER } from '../domain/freshness.js';
import type { Store } from '../store/index.js';
import { toApplicationFailure } from './failures.js';

export type SweepInput = { sweepId: string; cutoff: string; maxAgeDays: number; requestedBy: string };
export type SweepOutput = { stale: number; sourceIds: string[]; truncated: boolean; undated: number };

export function createFreshnessActivities(deps: { store: Pick<Store, 'freshness'> }) {
  return {
    /** Moves stale approved articles back to pending, once per sweep id (a retry reports the same articles). */
    async sweepStaleArticles(input: SweepInput): Promise<SweepOutput> {
      const result = await deps.store.freshness.sweep({ ...input, reviewer: FRESHNESS_REVIEWER }).catch((error: unknown) => {
        throw toApplicationFailure(error, `sweeping articles last reviewed before ${input.cutoff}`);
      });
      return {
        stale: result.sourceIds.length,
        sourceIds: result.sourceIds.slice(0, FRESHNESS_REPORT_MAX_IDS),
        truncated: result.sourceIds.length > FRESHNESS_REPORT_MAX_IDS,
        undated: result.undated,
      };
    },
  };
}

export type FreshnessActivities = ReturnType<typeof createFreshnessActivities>;
