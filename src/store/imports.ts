import type { FieldError } from '../domain/article/index.js';
import type { ImportCounts, ImportReport, Outcome } from '../domain/import/index.js';
import type { Queryable } from './db.js';

export type ResultRow = {
  seq: number;
  line: number;
  path: string;
  sourceId: string | null;
  outcome: Outcome;
  changedFields: string[] | null;
  errors: FieldError[] | null;
};

/** Where an accepted document came from, and its id: what resolves earlier rejections. */
export type Place = { path: string; line: number; sourceId: string };

export type Quarantine = { path: string; line: number; sourceId: string | null; sha256: string; size: number; raw: Uint8Array | null; errors: FieldError[] };

export type RejectionRow = {
  id: number;
  path: string;
  line: number;
  sourceId: string | null;
  sha256: string;
  size: number;
  errors: FieldError[];
  firstRunId: string;
  lastRunId: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  resolvedByRun: string | null;
  hasRaw: boolean;
};

export type RunRow = {
  runId: string;
  workflowId: string;
  status: string;
  dryRun: boolean;
  total: number | null;
  report: ImportReport | null;
  startedAt: string;
  finishedAt: string | null;
};

/**
 * One place in a source: a file (`line` 0), or one line of an .ndjson file with its byte range. `root`
 * is the source root the file must stay inside when read; `problem` marks an entry refused when listed.
 */
export type ManifestEntry = { path: string; root?: string | null; line?: number; offset?: number | null; length?: number | null; problem?: string | null };

/** A manifest row; rows written before migration 3 have line 0 and no range, root or problem. */
export type ManifestItem = {
  seq: number;
  path: string;
  line: number;
  offset: number | null;
  length: number | null;
  root: string | null;
  problem: string | null;
};

/** Manifest rows go in chunks so 100k paths never become one giant statement. */
const MANIFEST_CHUNK = 2_000;

/**
 * One chunk of a manifest: $1 run id, $2..$7 the entries' columns, $8 the first seq of the chunk.
 * OFFSET 0 keeps the NOT EXISTS a per-row probe of import_items_path. As a join, the planner went by
 * statistics taken while the table was still empty and hashed every item listed so far, once per chunk:
 * listing 1M files cost 140 s, growing with each chunk; probed, each chunk costs the same.
 */
export const WRITE_MANIFEST_CHUNK = `WITH incoming AS (
    SELECT * FROM unnest($2::text[], $3::int[], $4::int8[], $5::int8[], $6::text[], $7::text[])
      WITH ORDINALITY AS t(path, line, byte_offset, byte_length, root, problem, ord)
  ), fresh AS (
    SELECT DISTINCT ON (path, line) * FROM incoming i
     WHERE NOT EXISTS (SELECT 1 FROM import_items x WHERE x.run_id = $1 AND x.path = i.path AND x.line = i.line AND x.seq < $8 OFFSET 0)
     ORDER BY path, line, ord
  ), numbered AS (
    SELECT *, $8 + row_number() OVER (ORDER BY ord) - 1 AS seq FROM fresh
  ), inserted AS (
    INSERT INTO import_items (run_id, seq, path, line, byte_offset, byte_length, root, problem)
    SELECT $1, seq, path, line, byte_offset, byte_length, root, problem FROM numbered
    ON CONFLICT (run_id, seq) DO NOTHING
  )
  SELECT count(*)::int AS n FROM numbered`;

/**
 * Resolves the open rejections at a batch's places ($2 paths, $3 lines) or under its source ids ($4),
 * by one index probe per document (OFFSET 0 keeps each a probe), and updates them by their ids. As a
 * join and `= ANY($4)`, the planner (no statistics yet) read every open rejection and compared each
 * with all 500 ids, once per batch: 87 ms a batch at 11,000 open rejections. A rejection this same
 * run ($1) recorded is never resolved by another document of the run: which of the two committed first
 * is timing, and the outcome must not depend on it.
 */
export const RESOLVE_ALL = `UPDATE rejections SET resolved_at = now(), resolved_by_run = $1
    WHERE id = ANY (ARRAY(
      SELECT r.id FROM unnest($2::text[], $3::int[]) AS t(path, line)
        CROSS JOIN LATERAL (SELECT id FROM rejections r WHERE r.path = t.path AND r.line = t.line AND r.resolved_at IS NULL OFFSET 0) r
      UNION
      SELECT r.id FROM unnest($4::text[]) AS s(source_id)
        CROSS JOIN LATERAL (
          SELECT id FROM rejections r WHERE r.source_id = s.source_id AND r.resolved_at IS NULL AND r.last_run_id <> $1 OFFSET 0
        ) r
    )) RETURNING id`;

export function createImportRepo(db: Queryable) {
  /** Quarantines a batch's rejected documents in one statement; the same bytes at the same place stay one open entry. */
  async function quarantineAll(runId: string, entries: readonly Quarantine[]): Promise<void> {
    if (entries.length === 0) return;
    // Raw bytes go as Buffer views (no copy): the array element both drivers encode as bytea.
    await db.query(
      `INSERT INTO rejections (path, line, source_id, sha256, size, raw, errors, first_run_id, last_run_id)
       SELECT DISTINCT ON (path, line, sha256) path, line, source_id, sha256, size, raw, errors::jsonb, $1, $1
         FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::int8[], $7::bytea[], $8::text[]) WITH ORDINALITY
              AS t(path, line, source_id, sha256, size, raw, errors, ord)
        ORDER BY path, line, sha256, ord DESC
       ON CONFLICT (path, line, sha256) WHERE resolved_at IS NULL
       DO UPDATE SET last_run_id = EXCLUDED.last_run_id, last_seen_at = now(), errors = EXCLUDED.errors`,
      [
        runId,
        entries.map((e) => e.path),
        entries.map((e) => e.line),
        entries.map((e) => e.sourceId),
        entries.map((e) => e.sha256),
        entries.map((e) => e.size),
        entries.map((e) => (e.raw ? Buffer.from(e.raw.buffer, e.raw.byteOffset, e.raw.byteLength) : null)),
        entries.map((e) => JSON.stringify(e.errors)),
      ],
    );
  }

  /** Resolves, in one statement, the open rejections at the places or under the ids of a batch's accepted documents. */
  async function resolveAll(runId: string, accepted: readonly Place[]): Promise<number> {
    if (accepted.length === 0) return 0;
    const rows = await db.query(RESOLVE_ALL, [runId, accepted.map((a) => a.path), accepted.map((a) => a.line), accepted.map((a) => a.sourceId)]);
    return rows.length;
  }

  return {
    async startRun(run: { runId: string; workflowId: string; source: unknown; dryRun: boolean }): Promise<void> {
      await db.query(
        `INSERT INTO import_runs (run_id, workflow_id, source, dry_run, status) VALUES ($1, $2, $3, $4, 'running')
         ON CONFLICT (run_id) DO NOTHING`,
        [run.runId, run.workflowId, JSON.stringify(run.source), run.dryRun],
      );
    },

    /**
     * Writes the manifest once; a retried listing finds it and returns its size. Entries repeating a
     * (path, line) already listed (the same file reached twice) are dropped, so seqs stay dense. The
     * check looks only at seqs before the chunk, so a listing retried after a crash writes the very same
     * rows again (ON CONFLICT DO NOTHING), and memory holds one chunk, however large the source.
     */
    async writeManifest(runId: string, entries: AsyncIterable<ManifestEntry>, onChunk?: (written: number) => void | Promise<void>): Promise<number> {
      const [existing] = await db.query<{ total: number | null }>('SELECT total FROM import_runs WHERE run_id = $1', [runId]);
      if (existing?.total != null) return existing.total;
      let seq = 0;
      const write = async (chunk: readonly ManifestEntry[]) => {
        const [row] = await db.query<{ n: number }>(WRITE_MANIFEST_CHUNK, [
          runId,
          chunk.map((e) => e.path),
          chunk.map((e) => e.line ?? 0),
          chunk.map((e) => e.offset ?? null),
          chunk.map((e) => e.length ?? null),
          chunk.map((e) => e.root ?? null),
          chunk.map((e) => e.problem ?? null),
          seq,
        ]);
        seq += row?.n ?? 0;
        await onChunk?.(seq);
      };
      // The walk goes on while the database writes the chunk before: one chunk in flight, since each
      // chunk's first seq is the count the one before it wrote. Memory holds two chunks at most.
      let writing: Promise<void> = Promise.resolve();
      let chunk: ManifestEntry[] = [];
      try {
        for await (const entry of entries) {
          chunk.push(entry);
          if (chunk.length >= MANIFEST_CHUNK) {
            await writing;
            writing = write(chunk);
            // Its failure is seen where it is awaited; until then it must not count as unhandled.
            writing.catch(() => undefined);
            chunk = [];
          }
        }
      } finally {
        // A walk that fails or is cancelled leaves no statement running behind it.
        await writing.catch(() => undefined);
      }
      await writing;
      if (chunk.length > 0) await write(chunk);
      await db.query('UPDATE import_runs SET total = $2 WHERE run_id = $1', [runId, seq]);
      return seq;
    },

    /**
     * How far a listing got: its total once recorded, and how many entries are listed so far (chunks
     * commit whole, with dense seqs, so every seq below `listed` is there).
     */
    async listingState(runId: string): Promise<{ total: number | null; listed: number }> {
      const [row] = await db.query<{ total: number | null; last: number | null }>(
        'SELECT total, (SELECT max(seq) FROM import_items WHERE run_id = $1) AS last FROM import_runs WHERE run_id = $1',
        [runId],
      );
      return { total: row?.total ?? null, listed: row?.last == null ? 0 : row.last + 1 };
    },

    async items(runId: string, from: number, to: number): Promise<ManifestItem[]> {
      return db.query<ManifestItem>(
        `SELECT seq, path, line, byte_offset AS "offset", byte_length AS "length", root, problem
           FROM import_items WHERE run_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
        [runId, from, to],
      );
    },

    async committedBatch(runId: string, from: number): Promise<ImportCounts | undefined> {
      const [row] = await db.query<{ counts: ImportCounts }>('SELECT counts FROM import_batches WHERE run_id = $1 AND from_seq = $2', [runId, from]);
      return row?.counts;
    },

    /** The batch's results and its marker row, in one statement: a retried batch finds the marker and only reports. */
    async recordBatch(runId: string, from: number, to: number, counts: ImportCounts, results: ResultRow[]): Promise<void> {
      await db.query(
        `WITH results AS (
           INSERT INTO import_results (run_id, seq, line, path, source_id, outcome, changed_fields, errors)
           SELECT $1, seq, line, path, source_id, outcome, changed_fields::jsonb, errors::jsonb
             FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(seq, line, path, source_id, outcome, changed_fields, errors)
         )
         INSERT INTO import_batches (run_id, from_seq, to_seq, counts) VALUES ($1, $9, $10, $11)`,
        [
          runId,
          results.map((r) => r.seq),
          results.map((r) => r.line),
          results.map((r) => r.path),
          results.map((r) => r.sourceId),
          results.map((r) => r.outcome),
          results.map((r) => (r.changedFields ? JSON.stringify(r.changedFields) : null)),
          results.map((r) => (r.errors ? JSON.stringify(r.errors) : null)),
          from,
          to,
          JSON.stringify(counts),
        ],
      );
    },

    async finishRun(report: ImportReport): Promise<void> {
      await db.query(`UPDATE import_runs SET status = $2, report = $3, finished_at = now() WHERE run_id = $1`, [
        report.importRunId,
        report.status,
        JSON.stringify(report),
      ]);
    },

    async getRun(idOrWorkflowId: string): Promise<RunRow | undefined> {
      const [row] = await db.query<RunRow>(
        `SELECT run_id AS "runId", workflow_id AS "workflowId", status, dry_run AS "dryRun", total, report, started_at AS "startedAt", finished_at AS "finishedAt"
           FROM import_runs WHERE run_id = $1 OR workflow_id = $1 ORDER BY started_at DESC LIMIT 1`,
        [idOrWorkflowId],
      );
      return row;
    },

    async listRuns(limit: number, offset = 0): Promise<RunRow[]> {
      return db.query<RunRow>(
        `SELECT run_id AS "runId", workflow_id AS "workflowId", status, dry_run AS "dryRun", total, report, started_at AS "startedAt", finished_at AS "finishedAt"
           FROM import_runs ORDER BY started_at DESC, run_id LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
    },

    async countRuns(): Promise<number> {
      const [row] = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM import_runs');
      return Number(row?.n ?? 0);
    },

    /**
     * Records how a run ended when its workflow never reported (terminated or timed out through Temporal,
     * or its final report failed to land). Only a row still `running` changes: the workflow's own report wins.
     */
    async markRunEnded(runId: string, status: 'terminated' | 'timed_out' | 'failed' | 'cancelled', finishedAt: Date | undefined): Promise<boolean> {
      const rows = await db.query(
        `UPDATE import_runs SET status = $2, finished_at = COALESCE($3::timestamptz, now()) WHERE run_id = $1 AND status = 'running' RETURNING run_id`,
        [runId, status, finishedAt?.toISOString() ?? null],
      );
      return rows.length > 0;
    },

    async results(runId: string, options: { limit: number; offset: number; outcome?: Outcome }): Promise<ResultRow[]> {
      return db.query<ResultRow>(
        `SELECT seq, line, path, source_id AS "sourceId", outcome, changed_fields AS "changedFields", errors
           FROM import_results WHERE run_id = $1 ${options.outcome ? 'AND outcome = $4' : ''} ORDER BY seq, line LIMIT $2 OFFSET $3`,
        [runId, options.limit, options.offset, ...(options.outcome ? [options.outcome] : [])],
      );
    },

    /** Quarantines a rejected document; the same bytes at the same place stay one open entry. */
    async quarantine(runId: string, q: Quarantine): Promise<void> {
      await quarantineAll(runId, [q]);
    },

    /** A document accepted at a place, or under an id, that had open rejections resolves them. */
    async resolve(runId: string, at: Place): Promise<number> {
      return resolveAll(runId, [at]);
    },

    quarantineAll,
    resolveAll,

    async rejections(options: { includeResolved: boolean; limit: number; offset: number }): Promise<{ total: number; rejections: RejectionRow[] }> {
      const where = options.includeResolved ? '' : 'WHERE resolved_at IS NULL';
      const rejections = await db.query<RejectionRow>(
        `SELECT id, path, line, source_id AS "sourceId", sha256, size, errors, first_run_id AS "firstRunId", last_run_id AS "lastRunId",
                last_seen_at AS "lastSeenAt", resolved_at AS "resolvedAt", resolved_by_run AS "resolvedByRun", raw IS NOT NULL AS "hasRaw"
           FROM rejections ${where} ORDER BY path, line, id LIMIT $1 OFFSET $2`,
        [options.limit, options.offset],
      );
      const [count] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM rejections ${where}`);
      return { total: count?.n ?? 0, rejections };
    },

    async rejectionRaw(id: number): Promise<Uint8Array | null | undefined> {
      const [row] = await db.query<{ raw: Uint8Array | null }>('SELECT raw FROM rejections WHERE id = $1', [id]);
      return row ? row.raw : undefined;
    },
  };
}
