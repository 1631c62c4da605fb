import type { Db, Queryable } from './db.js';

// The freshness sweep's one write. An approved article is stale when the newer of its content's
// revision.lastReviewed and an editor's last decision (reviewed_at) is before the cutoff; it goes back
// to pending. A sweep records itself in the same transaction, so a retry returns what it did instead of
// sweeping articles an editor approved in between.

export type SweepWrite = { sweepId: string; cutoff: string; maxAgeDays: number; requestedBy: string; reviewer: string };
export type SweepResult = { sourceIds: string[]; undated: number };

const LAST_REVIEW = `greatest((r.article->'meta'->'revision'->>'lastReviewed')::date, (a.reviewed_at AT TIME ZONE 'UTC')::date)`;

export function createFreshnessRepo(db: Queryable) {
  /** In a transaction of its own when this repository holds the database, else inside the caller's. */
  const inTransaction = <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => ('transaction' in db ? (db as Db).transaction(fn) : fn(db));
  return {
    async sweep(write: SweepWrite): Promise<SweepResult> {
      return inTransaction(async (q) => {
        // Two attempts of one sweep (a timed-out attempt still running beside its retry) queue here: the
        // second then finds the first's record instead of finding its articles already pending.
        await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`freshness:${write.sweepId}`]);
        const [done] = await q.query<{ source_ids: string[]; undated: number }>('SELECT source_ids, undated FROM freshness_sweeps WHERE sweep_id = $1', [
          write.sweepId,
        ]);
        if (done) return { sourceIds: [...done.source_ids].sort(), undated: done.undated };
        const [undated] = await q.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM articles a JOIN article_revisions r ON r.source_id = a.source_id AND r.revision = a.current_revision
            WHERE a.review_state = 'approved' AND ${LAST_REVIEW} IS NULL`,
        );
        const [row] = await q.query<{ source_ids: string[] }>(
          `WITH stale AS (
             UPDATE articles a SET review_state = 'pending', reviewed_at = now(), reviewed_by = $5
               FROM article_revisions r
              WHERE r.source_id = a.source_id AND r.revision = a.current_revision
                AND a.review_state = 'approved' AND ${LAST_REVIEW} < $2::date
             RETURNING a.source_id)
           INSERT INTO freshness_sweeps (sweep_id, requested_by, max_age_days, cutoff, source_ids, undated)
           SELECT $1, $3, $4, $2::date, coalesce(array_agg(source_id ORDER BY source_id), '{}'), $6 FROM stale
           RETURNING source_ids`,
          [write.sweepId, write.cutoff, write.requestedBy, write.maxAgeDays, write.reviewer, undated?.n ?? 0],
        );
        return { sourceIds: [...(row?.source_ids ?? [])].sort(), undated: undated?.n ?? 0 };
      });
    },
  };
}
