import type { FieldError } from '../domain/article/index.js';
import { stableStringify } from '../domain/content.js';
import { ZERO_COUNTS, addCounts, countOutcome, type ImportCounts } from '../domain/import/index.js';
import type { ReviewPolicy } from '../domain/review.js';
import { applyArticles } from '../store/articles.js';
import { isDataRefusal, shortDbReason, sqlState, storableText, type Db, type Queryable } from '../store/db.js';
import type { Quarantine, ResultRow } from '../store/imports.js';
import { repositories } from '../store/index.js';
import { claimSourceIds } from './claims.js';
import type { PreparedDocument } from './read.js';

// The import's parse-and-store code, free of Temporal: the importBatch activity runs it, and so does
// the benchmark's direct loop, so the two measure the same work. The reading half (listing, reading a
// manifest item) lives in read.ts; it is re-exported here for the callers of this module.
export { DOCUMENT_FS_ERRORS, contentHash, manifestEntries, prepareItem, prepareItems, type PreparedDocument, type ReadControl } from './read.js';

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

export type CommitInput = {
  runId: string;
  from: number;
  to: number;
  files: number;
  prepared: readonly PreparedDocument[];
  policy: ReviewPolicy;
  dryRun: boolean;
};

/** Called as a batch commits, with how many of its documents are written so far: the activity heartbeats. */
export type CommitProgress = (written: number) => void;

/** The set-based pass met a document the database refuses; the batch is redone with one savepoint per document. */
class RefusedDocument extends Error {
  constructor(readonly refusal: unknown) {
    super('a document was refused by the database');
  }
}

/**
 * Upserts the accepted documents and quarantines the rejected ones of one batch in ONE transaction,
 * with the batch's results and its marker row: all of it commits, or none of it.
 *
 * The batch is written set-based: one statement locks and reads the current hashes of all its articles,
 * unchanged ones cost no write, and new articles, new revisions, resolutions, quarantine entries and
 * results each take one multi-row statement, whatever the batch's size.
 *
 * A document the database refuses for a data reason (SQLSTATE 22 or 23: a NUL byte, a lone surrogate,
 * a slug another article holds) never fails its batch: the batch is redone with a savepoint per
 * document, the refused one is rolled back to its savepoint and quarantined with `the database refused
 * it: …`, and the rest commit. Batches with no refusal never pay for the savepoints (over 64
 * subtransactions in one transaction slow every snapshot on a PostgreSQL server).
 */
export async function commitBatch(db: Db, input: CommitInput, onProgress?: CommitProgress): Promise<ImportCounts> {
  try {
    return await db.transaction((tx) => writeBatch(tx, input, false, onProgress));
  } catch (error) {
    if (!(error instanceof RefusedDocument)) throw error;
    return db.transaction((tx) => writeBatch(tx, input, true, onProgress));
  }
}

async function writeBatch(tx: Queryable, input: CommitInput, isolate: boolean, onProgress: CommitProgress | undefined): Promise<ImportCounts> {
  const repos = repositories(tx);
  // --- duplicate sourceIds (src/ingest/claims.ts, owned by the reading side) ---------------------------
  // Before any write and outside the dry-run savepoint: the first document in manifest order wins, the
  // others become rejections here, and holders this batch displaces are corrected in place.
  const claimed = await claimSourceIds(tx, { runId: input.runId, dryRun: input.dryRun, prepared: input.prepared });
  let counts: ImportCounts = addCounts({ ...ZERO_COUNTS, files: input.files }, claimed.correction);
  // --- end of duplicate sourceIds ----------------------------------------------------------------------
  // A dry run makes the very writes a real run would, inside a savepoint it then rolls back: so its plan
  // shows what the database would refuse, not only what the parser did.
  if (input.dryRun) await tx.query('SAVEPOINT dry_run');
  let results: ResultRow[];
  if (!isolate) {
    try {
      results = await writeAll(tx, repos, input, claimed.prepared, onProgress);
    } catch (error) {
      throw isDataRefusal(error) ? new RefusedDocument(error) : error;
    }
  } else {
    results = await writeEach(tx, repos, input, claimed.prepared, onProgress);
  }
  if (input.dryRun) await tx.query('ROLLBACK TO SAVEPOINT dry_run');
  for (const result of results) counts = countOutcome(counts, result.outcome);
  await repos.imports.recordBatch(input.runId, input.from, input.to, counts, results);
  return counts;
}

type Accepted = Extract<PreparedDocument, { ok: true }>;
type Rejected = Extract<PreparedDocument, { ok: false }>;

const placeOf = (doc: PreparedDocument) => ({ seq: doc.seq, line: doc.line, path: storableText(doc.path) });

/**
 * The set-based pass: every article in a few statements (applyArticles), then the resolutions and the
 * quarantine entries one statement each. Any data refusal aborts it (the caller redoes the batch
 * document by document). Results come back in the batch's order.
 */
async function writeAll(
  tx: Queryable,
  repos: ReturnType<typeof repositories>,
  input: CommitInput,
  docs: readonly PreparedDocument[],
  onProgress: CommitProgress | undefined,
): Promise<ResultRow[]> {
  const accepted = docs.filter((d): d is Accepted => d.ok);
  const rejected = docs.filter((d): d is Rejected => !d.ok);
  const applied = await applyArticles(tx, { items: accepted, policy: input.policy, runId: input.runId });
  const byDoc = new Map<PreparedDocument, ResultRow>();
  accepted.forEach((doc, i) => {
    const result = applied[i];
    if (!result) throw new Error(`no result for document ${doc.seq}:${doc.line}`);
    const sourceId = storableText(doc.sourceId);
    const changed = result.changedFields.length ? result.changedFields : null;
    byDoc.set(doc, { ...placeOf(doc), sourceId, outcome: result.outcome, changedFields: changed, errors: null });
  });
  await repos.imports.resolveAll(
    input.runId,
    accepted.map((doc) => ({ path: storableText(doc.path), line: doc.line, sourceId: storableText(doc.sourceId) })),
  );
  if (accepted.length > 0) onProgress?.(accepted.length);
  const entries = rejected.map((doc) => {
    const entry = quarantineEntry(doc);
    byDoc.set(doc, { ...placeOf(doc), sourceId: entry.sourceId, outcome: 'rejected', changedFields: null, errors: entry.errors });
    return entry;
  });
  await repos.imports.quarantineAll(input.runId, entries);
  if (rejected.length > 0) onProgress?.(docs.length);
  return docs.map((doc) => {
    const result = byDoc.get(doc);
    if (!result) throw new Error(`no result for document ${doc.seq}:${doc.line}`);
    return result;
  });
}

/** The slow path, taken only after a refusal: each document in its own savepoint, a refused one quarantined. */
async function writeEach(
  tx: Queryable,
  repos: ReturnType<typeof repositories>,
  input: CommitInput,
  docs: readonly PreparedDocument[],
  onProgress: CommitProgress | undefined,
): Promise<ResultRow[]> {
  const results: ResultRow[] = [];
  for (const doc of docs) {
    let attempt = await inSavepoint(tx, () => writeDocument(tx, repos, input, doc));
    // A unique violation may be an overlapping import that created this very article a moment ago
    // (ON CONFLICT covers source_id, not the slug): with its commit visible the write is an update.
    if (!attempt.ok && isUniqueViolation(attempt.refusal)) attempt = await inSavepoint(tx, () => writeDocument(tx, repos, input, doc));
    results.push(attempt.ok ? attempt.value : await quarantineRefused(repos, input.runId, doc, attempt.refusal));
    onProgress?.(results.length);
  }
  return results;
}

/** Runs one document's writes in a savepoint: a data refusal rolls back only them, and is returned. */
async function inSavepoint<T>(tx: Queryable, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; refusal: unknown }> {
  await tx.query('SAVEPOINT document');
  try {
    const value = await fn();
    await tx.query('RELEASE SAVEPOINT document');
    return { ok: true, value };
  } catch (error) {
    if (!isDataRefusal(error)) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT document');
    await tx.query('RELEASE SAVEPOINT document');
    return { ok: false, refusal: error };
  }
}

const storableErrors = (errors: readonly FieldError[]): FieldError[] => errors.map((e) => ({ field: storableText(e.field), message: storableText(e.message) }));

function quarantineEntry(doc: Rejected): Quarantine {
  const errors = storableErrors(doc.errors);
  const sourceId = doc.sourceId === null ? null : storableText(doc.sourceId);
  return { path: storableText(doc.path), line: doc.line, sourceId, sha256: doc.sha256, size: doc.size, raw: doc.raw, errors };
}

/** Writes one document (the article, or its quarantine entry) and returns its result row. */
async function writeDocument(tx: Queryable, repos: ReturnType<typeof repositories>, input: CommitInput, doc: PreparedDocument): Promise<ResultRow> {
  const at = placeOf(doc);
  if (doc.ok) {
    const [applied] = await applyArticles(tx, { items: [doc], policy: input.policy, runId: input.runId });
    if (!applied) throw new Error(`no result for document ${doc.seq}:${doc.line}`);
    const sourceId = storableText(doc.sourceId);
    await repos.imports.resolve(input.runId, { path: at.path, line: doc.line, sourceId });
    return { ...at, sourceId, outcome: applied.outcome, changedFields: applied.changedFields.length ? applied.changedFields : null, errors: null };
  }
  const entry = quarantineEntry(doc);
  await repos.imports.quarantine(input.runId, entry);
  return { ...at, sourceId: entry.sourceId, outcome: 'rejected', changedFields: null, errors: entry.errors };
}

/**
 * Quarantines a document the database refused. It is keyed like any rejection, by its source bytes'
 * sha256 at its place; an accepted document kept no raw bytes, so the entry holds its canonical JSON.
 */
async function quarantineRefused(repos: ReturnType<typeof repositories>, runId: string, doc: PreparedDocument, refusal: unknown): Promise<ResultRow> {
  const errors: FieldError[] = [{ field: 'document', message: `the database refused it: ${storableText(shortDbReason(refusal))}` }];
  const at = { seq: doc.seq, line: doc.line, path: storableText(doc.path) };
  if (doc.ok) {
    const raw = doc.content ? doc.content.json : Buffer.from(doc.canonical ?? doc.parse?.().canonical ?? stableStringify(doc.article), 'utf8');
    const sourceId = storableText(doc.sourceId);
    await repos.imports.quarantine(runId, { path: at.path, line: doc.line, sourceId, sha256: doc.sha256, size: doc.size, raw, errors });
    return { ...at, sourceId, outcome: 'rejected', changedFields: null, errors };
  }
  // Its quarantine entry itself was refused: keep the entry without the bytes.
  await repos.imports.quarantine(runId, { path: at.path, line: doc.line, sourceId: null, sha256: doc.sha256, size: doc.size, raw: null, errors });
  return { ...at, sourceId: null, outcome: 'rejected', changedFields: null, errors };
}
