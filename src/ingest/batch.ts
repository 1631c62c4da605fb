import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Article, FieldError } from '../domain/article/index.js';
import { stableStringify } from '../domain/content.js';
import { ZERO_COUNTS, countOutcome, type ImportCounts } from '../domain/import/index.js';
import type { ReviewPolicy } from '../domain/review.js';
import { applyArticle } from '../store/articles.js';
import type { Db } from '../store/db.js';
import type { ResultRow } from '../store/imports.js';
import { repositories } from '../store/index.js';
import { readDocumentFile } from '../sources/documents.js';

// The import's parse-and-store code, free of Temporal: the importBatch activity runs it, and so does
// the benchmark's direct loop, so the two measure the same work.

export type PreparedDocument =
  | { seq: number; line: number; path: string; ok: true; article: Article; contentHash: string }
  | { seq: number; line: number; path: string; ok: false; errors: FieldError[]; sourceId: string | null; sha256: string; size: number; raw: Uint8Array | null };

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** The content hash covers the canonical JSON with sorted keys, so key order never makes a revision. */
export function contentHash(article: Article): string {
  return sha256(stableStringify(article));
}

// A listed file that is gone or unreadable now is the document's problem, not the infrastructure's:
// retrying will not bring it back. Anything else (EIO, EMFILE) may pass, so it is thrown and retried.
const DOCUMENT_FS_ERRORS = new Set(['ENOENT', 'EISDIR', 'EACCES', 'EPERM', 'ENOTDIR', 'ELOOP']);

/** Size and streamed hash of a file not kept whole; a file that cannot be read is named by its path. */
async function fileIdentity(path: string): Promise<{ size: number; sha256: string }> {
  try {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { size, sha256: hash.digest('hex') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    if (!DOCUMENT_FS_ERRORS.has(code)) throw error;
    return { size: 0, sha256: sha256(`${code}:${path}`) };
  }
}

function sourceIdHint(bytes: Uint8Array): string | null {
  const match = /source id\s*[:\t]?\s*([a-z0-9][a-z0-9._-]{2,80})|"sourceId"\s*:\s*"([a-z0-9][a-z0-9._-]{2,80})"/i.exec(Buffer.from(bytes.subarray(0, 64 * 1024)).toString('utf8'));
  return (match?.[1] ?? match?.[2])?.toLowerCase() ?? null;
}

/** Reads and parses one manifest item (a file; an .ndjson file yields one document per line). */
export async function prepareItem(item: { seq: number; path: string }, maxBytes: number): Promise<PreparedDocument[]> {
  const { seq, path } = item;
  try {
    await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!DOCUMENT_FS_ERRORS.has(code)) throw error;
    const message = `the file was listed but cannot be read now (${code}): expected a readable file`;
    return [{ seq, line: 0, path, ok: false, errors: [{ field: 'document', message }], sourceId: null, sha256: sha256(`${code}:${path}`), size: 0, raw: null }];
  }
  const prepared: PreparedDocument[] = [];
  for await (const { line, result, raw, unkept } of readDocumentFile(path, { maxBytes })) {
    const lineNo = line ?? 0;
    if (result.ok) {
      prepared.push({ seq, line: lineNo, path, ok: true, article: result.article, contentHash: contentHash(result.article) });
    } else if (raw) {
      prepared.push({ seq, line: lineNo, path, ok: false, errors: result.errors, sourceId: sourceIdHint(raw), sha256: sha256(raw), size: raw.byteLength, raw });
    } else if (unkept) {
      prepared.push({ seq, line: lineNo, path, ok: false, errors: result.errors, sourceId: null, sha256: unkept.sha256, size: unkept.size, raw: null });
    } else {
      // An oversize file was never read whole (and an unreadable one not at all): the quarantine keeps
      // its path and a streamed hash instead of the bytes.
      prepared.push({ seq, line: lineNo, path, ok: false, errors: result.errors, sourceId: null, ...(await fileIdentity(path)), raw: null });
    }
  }
  return prepared;
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

export type CommitInput = { runId: string; from: number; to: number; files: number; prepared: readonly PreparedDocument[]; policy: ReviewPolicy; dryRun: boolean };

/**
 * Upserts the accepted documents and quarantines the rejected ones of one batch in ONE transaction,
 * with the batch's results and its marker row: all of it commits, or none of it.
 */
export async function commitBatch(db: Db, input: CommitInput): Promise<ImportCounts> {
  return db.transaction(async (tx) => {
    const repos = repositories(tx);
    let counts: ImportCounts = { ...ZERO_COUNTS, files: input.files };
    const results: ResultRow[] = [];
    for (const doc of input.prepared) {
      if (doc.ok) {
        const applied = await applyArticle(tx, { article: doc.article, contentHash: doc.contentHash, policy: input.policy, runId: input.runId, dryRun: input.dryRun });
        if (!input.dryRun) await repos.imports.resolve(input.runId, { path: doc.path, line: doc.line, sourceId: doc.article.sourceId });
        counts = countOutcome(counts, applied.outcome);
        results.push({ seq: doc.seq, line: doc.line, path: doc.path, sourceId: doc.article.sourceId, outcome: applied.outcome, changedFields: applied.changedFields.length ? applied.changedFields : null, errors: null });
      } else {
        if (!input.dryRun) {
          await repos.imports.quarantine(input.runId, { path: doc.path, line: doc.line, sourceId: doc.sourceId, sha256: doc.sha256, size: doc.size, raw: doc.raw, errors: doc.errors });
        }
        counts = countOutcome(counts, 'rejected');
        results.push({ seq: doc.seq, line: doc.line, path: doc.path, sourceId: doc.sourceId, outcome: 'rejected', changedFields: null, errors: doc.errors });
      }
    }
    await repos.imports.recordBatch(input.runId, input.from, input.to, counts, results);
    return counts;
  });
}
