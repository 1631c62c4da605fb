// The reading half of the import, free of Temporal: listing a source into manifest entries (one per
// file, one per .ndjson line) and reading one manifest item into prepared documents. The activities
// pass an AbortSignal and a progress callback, so every long read heartbeats and stops when cancelled.
import type { Article, FieldError } from '../domain/article/index.js';
import { stableStringify } from '../domain/content.js';
import type { ManifestEntry, ManifestItem } from '../store/imports.js';
import {
  DOCUMENT_FS_ERRORS,
  NotADocumentError,
  isDocumentFsError,
  ndjsonLineRanges,
  readDocumentFile,
  readDocumentLine,
  sha256,
  sourceFiles,
  type DocumentResult,
  type ReadOptions,
} from '../sources/documents.js';

export { DOCUMENT_FS_ERRORS };

/**
 * One document ready to commit. An accepted one carries the sha256 and size of its raw bytes too: a
 * duplicate sourceId is quarantined by them (see claims.ts).
 */
export type PreparedDocument =
  | { seq: number; line: number; path: string; ok: true; article: Article; contentHash: string; canonical?: string; sha256: string; size: number }
  | { seq: number; line: number; path: string; ok: false; errors: FieldError[]; sourceId: string | null; sha256: string; size: number; raw: Uint8Array | null };

export type ReadControl = { signal?: AbortSignal; onProgress?: (bytesRead: number) => void };

/** The content hash covers the canonical JSON with sorted keys, so key order never makes a revision. */
export function contentHash(article: Article): string {
  return sha256(stableStringify(article));
}

function control(options: ReadControl): Pick<ReadOptions, 'signal' | 'onProgress'> {
  return { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
}

/**
 * The manifest entries of a source, in listing order: a file is one entry keyed by its resolved path,
 * an .ndjson file one entry per non-blank line (its byte range), so a huge stream is split into
 * batches like a directory. Nothing but the current chunk is held in memory.
 */
export async function* manifestEntries(paths: readonly string[], options: ReadControl = {}): AsyncGenerator<ManifestEntry> {
  for await (const entry of sourceFiles(paths, control(options))) {
    if (entry.problem !== undefined) {
      yield { path: entry.real, root: entry.root, problem: entry.problem };
    } else if (entry.real.toLowerCase().endsWith('.ndjson')) {
      try {
        for await (const range of ndjsonLineRanges(entry.real, { ...control(options), root: entry.root })) {
          yield { path: entry.real, root: entry.root, line: range.line, offset: range.offset, length: range.length };
        }
      } catch (error) {
        // Refused when listed (outside the source, not a regular file, gone): one rejected entry.
        if (error instanceof NotADocumentError) yield { path: entry.real, root: entry.root, problem: error.message };
        else if (isDocumentFsError(error))
          yield { path: entry.real, root: entry.root, problem: `the file cannot be read (${error.code}): expected a readable regular file` };
        else throw error;
      }
    } else {
      yield { path: entry.real, root: entry.root };
    }
  }
}

function sourceIdHint(bytes: Uint8Array): string | null {
  const match = /source id\s*[:\t]?\s*([a-z0-9][a-z0-9._-]{2,80})|"sourceId"\s*:\s*"([a-z0-9][a-z0-9._-]{2,80})"/i.exec(
    Buffer.from(bytes.subarray(0, 64 * 1024)).toString('utf8'),
  );
  return (match?.[1] ?? match?.[2])?.toLowerCase() ?? null;
}

type ItemLike = Pick<ManifestItem, 'seq' | 'path'> & Partial<Omit<ManifestItem, 'seq' | 'path'>>;

/**
 * Reads and parses one manifest item: a file, one .ndjson line (only its byte range is read), or an
 * entry refused when listed. Document-fault errors (missing, outside the source, not a regular file)
 * become rejections; any other error (EIO, EMFILE) is thrown for the batch to be retried.
 */
export async function prepareItem(item: ItemLike, maxBytes: number, options: ReadControl = {}): Promise<PreparedDocument[]> {
  const { seq, path } = item;
  if (item.problem != null) {
    return [
      {
        seq,
        line: item.line ?? 0,
        path,
        ok: false,
        errors: [{ field: 'document', message: item.problem }],
        sourceId: null,
        sha256: sha256(`problem:${path}`),
        size: 0,
        raw: null,
      },
    ];
  }
  // Small documents are read synchronously inside readDocumentLine/readDocumentFile (documents.ts).
  const read: ReadOptions = { maxBytes, identifyOversize: true, ...control(options), ...(item.root != null ? { root: item.root } : {}) };
  const results: DocumentResult[] = [];
  if (item.offset != null && item.length != null && item.line != null) {
    results.push(await readDocumentLine(path, { line: item.line, offset: item.offset, length: item.length }, read));
  } else {
    // Whole files, and .ndjson files listed whole by an earlier version (manifest rows without ranges).
    for await (const result of readDocumentFile(path, read)) results.push(result);
  }
  return prepared(item, results);
}

function prepared({ seq, path }: ItemLike, results: readonly DocumentResult[]): PreparedDocument[] {
  return results.map(({ line, result, raw, unkept }): PreparedDocument => {
    const lineNo = line ?? 0;
    if (result.ok) {
      const canonical = stableStringify(result.article);
      const hash = sha256(canonical);
      const identity = raw ? { sha256: sha256(raw), size: raw.byteLength } : { sha256: hash, size: 0 };
      return { seq, line: lineNo, path, ok: true, article: result.article, contentHash: hash, canonical, ...identity };
    }
    if (raw) return { seq, line: lineNo, path, ok: false, errors: result.errors, sourceId: sourceIdHint(raw), sha256: sha256(raw), size: raw.byteLength, raw };
    // Never read whole (oversize) or at all (refused): its size and streamed hash identify it.
    const identity = unkept ?? { size: 0, sha256: sha256(`unread:${path}`) };
    return { seq, line: lineNo, path, ok: false, errors: result.errors, sourceId: null, ...identity, raw: null };
  });
}
