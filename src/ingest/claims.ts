// Duplicate sourceIds inside one source. The first document in manifest order (seq, then line) wins;
// every other one is rejected with `duplicate sourceId in this source, first seen at <path[:line]>`.
//
// Batches commit concurrently, so commit order is not manifest order. Each batch claims its sourceIds
// in import_claims (one row per run and sourceId) before writing anything:
// - no claim yet: the document holds it; the row keeps what the article was before this run wrote it;
// - an earlier holder: the document is a duplicate;
// - a later holder (its batch committed first): the document takes the claim, and the holder becomes
//   the duplicate after the fact: its result is rewritten, its count corrected, its write undone (the
//   article put back as it was before the run), and it is quarantined like any duplicate.
// The stored content and the report then come out the same whatever order the batches commit in.
// The claim insert serialises batches of one run on a sourceId, and claims are taken in sourceId order,
// so two batches never wait on each other in a cycle.
import type { FieldError } from '../domain/article/index.js';
import { ZERO_COUNTS, type ImportCounts, type Outcome } from '../domain/import/index.js';
import type { Queryable } from '../store/db.js';
import { repositories } from '../store/index.js';
import type { PreparedDocument } from './read.js';

type Place = { seq: number; line: number; path: string };
type Claim = Place & { sha256: string; size: number; contentHash: string; prior: Record<string, unknown> | null };
type Accepted = Extract<PreparedDocument, { ok: true }>;

export const DUPLICATE_MESSAGE = 'duplicate sourceId in this source, first seen at';

const shown = (p: Place) => (p.line > 0 ? `${p.path}:${p.line}` : p.path);
export const duplicateErrors = (first: Place): FieldError[] => [{ field: 'sourceId', message: `${DUPLICATE_MESSAGE} ${shown(first)}` }];

const compare = (a: Place, b: Place) => a.seq - b.seq || a.line - b.line;

export type ClaimOutcome = {
  /** The batch's documents, duplicates turned into rejections (no bytes kept: the report is the same either way). */
  prepared: PreparedDocument[];
  /** Count corrections for holders this batch displaced: their outcome -1, rejected +1. */
  correction: ImportCounts;
};

/**
 * Claims the sourceIds of a batch's accepted documents for its run. Call it in the batch's
 * transaction before any document is written, and outside a dry run's rolled-back savepoint: claims
 * and rewritten results must outlive a dry run's writes.
 */
export async function claimSourceIds(tx: Queryable, input: { runId: string; dryRun: boolean; prepared: readonly PreparedDocument[] }): Promise<ClaimOutcome> {
  const duplicates = new Map<PreparedDocument, FieldError[]>();
  let correction: ImportCounts = ZERO_COUNTS;
  const accepted = input.prepared.filter((d): d is Accepted => d.ok);
  accepted.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : compare(a, b)));
  if (accepted.length === 0) return { prepared: [...input.prepared], correction };
  // One statement claims every sourceId still free (the common case: no duplicates at all); only the
  // documents it could not claim are looked at one by one.
  const taken = await tx.query<{ seq: number; line: number }>(
    `INSERT INTO import_claims (run_id, source_id, seq, line, path, sha256, size, content_hash, prior)
     SELECT $1, t.source_id, t.seq, t.line, t.path, t.sha256, t.size, t.content_hash, (SELECT to_jsonb(a) FROM articles a WHERE a.source_id = t.source_id)
       FROM unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int8[], $8::text[]) WITH ORDINALITY
            AS t(source_id, seq, line, path, sha256, size, content_hash, ord)
      ORDER BY t.ord
     ON CONFLICT (run_id, source_id) DO NOTHING RETURNING seq, line`,
    [
      input.runId,
      accepted.map((d) => d.sourceId),
      accepted.map((d) => d.seq),
      accepted.map((d) => d.line),
      accepted.map((d) => d.path),
      accepted.map((d) => d.sha256),
      accepted.map((d) => d.size),
      accepted.map((d) => d.contentHash),
    ],
  );
  const claimed = new Set(taken.map((t) => `${t.seq}:${t.line}`));
  for (const doc of accepted) {
    if (claimed.has(`${doc.seq}:${doc.line}`)) continue;
    const sourceId = doc.sourceId;
    const [holder] = await tx.query<Claim>(
      `SELECT seq, line, path, sha256, size, content_hash AS "contentHash", prior FROM import_claims WHERE run_id = $1 AND source_id = $2 FOR UPDATE`,
      [input.runId, sourceId],
    );
    if (!holder) throw new Error(`claim on ${sourceId} for run ${input.runId} vanished while held`);
    const order = compare(holder, doc);
    if (order === 0) continue; // this very document, claimed by an attempt that committed
    if (order < 0) {
      duplicates.set(doc, duplicateErrors(holder));
      continue;
    }
    const undone = await displace(tx, input, sourceId, holder, doc);
    if (undone !== 'rejected') correction = { ...correction, [undone]: correction[undone] - 1, rejected: correction.rejected + 1 };
  }
  const prepared = input.prepared.map((doc): PreparedDocument => {
    const errors = duplicates.get(doc);
    if (!errors || !doc.ok) return doc;
    return { seq: doc.seq, line: doc.line, path: doc.path, ok: false, errors, sourceId: null, sha256: doc.sha256, size: doc.size, raw: null };
  });
  return { prepared, correction };
}

/** `doc` comes before the claim's holder: the holder becomes the duplicate. Returns the holder's former outcome. */
async function displace(tx: Queryable, input: { runId: string; dryRun: boolean }, sourceId: string, holder: Claim, doc: Accepted): Promise<Outcome> {
  const { runId } = input;
  await tx.query(`UPDATE import_claims SET seq = $3, line = $4, path = $5, sha256 = $6, size = $7, content_hash = $8 WHERE run_id = $1 AND source_id = $2`, [
    runId,
    sourceId,
    doc.seq,
    doc.line,
    doc.path,
    doc.sha256,
    doc.size,
    doc.contentHash,
  ]);
  const before = JSON.stringify(duplicateErrors(holder));
  const after = JSON.stringify(duplicateErrors(doc));
  // Duplicates already rejected as "first seen at <holder>" now name the real first.
  await tx.query(`UPDATE import_results SET errors = $3::jsonb WHERE run_id = $1 AND outcome = 'rejected' AND errors = $2::jsonb`, [runId, before, after]);
  const [old] = await tx.query<{ outcome: Outcome }>('SELECT outcome FROM import_results WHERE run_id = $1 AND seq = $2 AND line = $3', [
    runId,
    holder.seq,
    holder.line,
  ]);
  await tx.query(
    `UPDATE import_results SET outcome = 'rejected', source_id = NULL, changed_fields = NULL, errors = $4::jsonb WHERE run_id = $1 AND seq = $2 AND line = $3`,
    [runId, holder.seq, holder.line, after],
  );
  if (!input.dryRun) {
    await tx.query(`UPDATE rejections SET errors = $3::jsonb WHERE last_run_id = $1 AND resolved_at IS NULL AND errors = $2::jsonb`, [runId, before, after]);
    await undoWrite(tx, runId, sourceId, holder);
    await repositories(tx).imports.quarantine(runId, {
      path: holder.path,
      line: holder.line,
      sourceId: null,
      sha256: holder.sha256,
      size: holder.size,
      raw: null,
      errors: duplicateErrors(doc),
    });
  }
  return old?.outcome ?? 'rejected';
}

/**
 * Puts the article back as it was before this run wrote the holder's content, if that content is still
 * what it holds (another import may have written since: then the new winner simply updates it).
 */
async function undoWrite(tx: Queryable, runId: string, sourceId: string, holder: Claim): Promise<void> {
  if (holder.prior) {
    const restored = await tx.query(
      `UPDATE articles a SET slug = p.slug, title = p.title, current_revision = p.current_revision, content_hash = p.content_hash,
              review_state = p.review_state, reviewed_at = p.reviewed_at, reviewed_by = p.reviewed_by, updated_at = p.updated_at,
              source_digest = p.source_digest
         FROM jsonb_populate_record(NULL::articles, $3::jsonb) p
        WHERE a.source_id = $1 AND a.content_hash = $2 RETURNING a.source_id`,
      [sourceId, holder.contentHash, JSON.stringify(holder.prior)],
    );
    // The holder's revision (if it added one: content seen before points back at its old revision).
    if (restored.length > 0) await tx.query('DELETE FROM article_revisions WHERE source_id = $1 AND import_run = $2', [sourceId, runId]);
  } else {
    const created = await tx.query('SELECT 1 FROM articles WHERE source_id = $1 AND content_hash = $2 FOR UPDATE', [sourceId, holder.contentHash]);
    if (created.length > 0) {
      await tx.query('DELETE FROM article_revisions WHERE source_id = $1', [sourceId]);
      await tx.query('DELETE FROM articles WHERE source_id = $1', [sourceId]);
    }
  }
  // Rejections the holder resolved by its place alone open again; those under this sourceId the winner resolves.
  await tx.query(
    `UPDATE rejections r SET resolved_at = NULL, resolved_by_run = NULL
      WHERE r.resolved_by_run = $1 AND r.path = $2 AND r.line = $3 AND r.source_id IS DISTINCT FROM $4
        AND NOT EXISTS (SELECT 1 FROM rejections o WHERE o.resolved_at IS NULL AND o.path = r.path AND o.line = r.line AND o.sha256 = r.sha256)`,
    [runId, holder.path, holder.line, sourceId],
  );
}
