// The reading half of the import, free of Temporal: listing a source into manifest entries (one per
// file, one per .ndjson line) and reading one manifest item into prepared documents. The activities
// pass an AbortSignal and a progress callback, so every long read heartbeats and stops when cancelled.
import { sourceDigest, type Article, type FieldError } from '../domain/article/index.js';
import { stableStringify, type ArticleContent } from '../domain/content.js';
import type { ManifestEntry, ManifestItem } from '../store/imports.js';
import {
  DOCUMENT_FS_ERRORS,
  NotADocumentError,
  isDocumentFsError,
  ndjsonLineRanges,
  parseRawDocument,
  readDocumentFile,
  readDocumentLine,
  readRawDocument,
  sha256,
  sourceFiles,
  type DocumentResult,
  type RawDocument,
  type ReadOptions,
} from '../sources/documents.js';
import { parseHere, type ParseDocuments } from './parse-document.js';

export { DOCUMENT_FS_ERRORS };

/**
 * One document ready to commit. An accepted one carries the sha256 and size of its raw bytes too: a
 * duplicate sourceId is quarantined by them (see claims.ts). `digest` (sourceDigest of its bytes) is
 * stored with the article. A small document comes with `content` (what its write needs, made by
 * whatever parsed it, possibly a parse thread), a streamed one with its `article`. A document whose
 * digest was already stored has neither: it was known by its bytes and not parsed (an unchanged
 * re-import); `parse` gives its article if it turns out to be needed after all (the article changed
 * since it was looked up).
 */
export type PreparedDocument =
  | {
      seq: number;
      line: number;
      path: string;
      ok: true;
      sourceId: string;
      contentHash: string;
      sha256: string;
      size: number;
      digest?: string;
      content?: ArticleContent;
      article?: Article;
      canonical?: string;
      parse?: () => { article: Article; canonical: string };
    }
  | { seq: number; line: number; path: string; ok: false; errors: FieldError[]; sourceId: string | null; sha256: string; size: number; raw: Uint8Array | null };

/** What the store knows of some digests: the article each one's bytes parsed to, and its content hash. */
export type KnownDigests = (digests: readonly string[]) => Promise<ReadonlyMap<string, { sourceId: string; contentHash: string }>>;

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

/** A small document read but not parsed yet, with the sha256 of its bytes and their digest. */
type Pending = { seq: number; raw: RawDocument; sha256: string; digest: string };

function pending(seq: number, raw: RawDocument): Pending {
  const hash = sha256(raw.bytes);
  return { seq, raw, sha256: hash, digest: sourceDigest(raw.format, hash) };
}

const problemDocument = (item: ItemLike, problem: string): PreparedDocument => ({
  seq: item.seq,
  line: item.line ?? 0,
  path: item.path,
  ok: false,
  errors: [{ field: 'document', message: problem }],
  sourceId: null,
  sha256: sha256(`problem:${item.path}`),
  size: 0,
  raw: null,
});

/**
 * Reads one manifest item: a file, one .ndjson line (only its byte range is read), or an entry refused
 * when listed. A small document comes back read but unparsed; anything else parsed. Document-fault
 * errors (missing, outside the source, not a regular file) become rejections; any other error (EIO,
 * EMFILE) is thrown for the batch to be retried.
 */
async function readItem(item: ItemLike, maxBytes: number, options: ReadControl): Promise<Array<PreparedDocument | Pending>> {
  const { seq, path } = item;
  if (item.problem != null) return [problemDocument(item, item.problem)];
  const read: ReadOptions = { maxBytes, identifyOversize: true, ...control(options), ...(item.root != null ? { root: item.root } : {}) };
  const range = item.offset != null && item.length != null && item.line != null ? { line: item.line, offset: item.offset, length: item.length } : undefined;
  // Small documents are read synchronously (documents.ts); larger ones stream.
  const raw = readRawDocument(path, read, range);
  if (raw !== undefined) return 'bytes' in raw ? [pending(seq, raw)] : prepared(item, [raw]);
  // Too large to read synchronously: opening and checking it again for the small path would be wasted.
  const streaming: ReadOptions = { ...read, streamOnly: true };
  const results: DocumentResult[] = [];
  if (range) results.push(await readDocumentLine(path, range, streaming));
  // Whole files, and .ndjson files listed whole by an earlier version (manifest rows without ranges).
  else for await (const result of readDocumentFile(path, streaming)) results.push(result);
  return prepared(item, results);
}

/** Reads and parses one manifest item (see readItem). */
export async function prepareItem(item: ItemLike, maxBytes: number, options: ReadControl = {}): Promise<PreparedDocument[]> {
  return prepareItems([item], maxBytes, options);
}

export type PrepareOptions = ReadControl & {
  /** Items read at once: a small file is read with synchronous calls, a large one streams through libuv's pool. */
  concurrency?: number;
  /** Looks the documents' digests up: a known document is not parsed. */
  known?: KnownDigests;
  /** Called before each item is read (the activity checks for cancellation here). */
  beforeItem?: () => void;
  /** Called after each item with how many documents are read so far. */
  afterItem?: (read: number) => void;
  /** Parses the documents it does not know: on this thread unless given parse threads (parse-pool.ts). */
  parse?: ParseDocuments;
};

/**
 * Reads a batch of manifest items, looks the digests of their small documents up in one call, and
 * parses only the documents it does not know. The documents come back in manifest order, which
 * duplicate-sourceId claims depend on.
 */
export async function prepareItems(items: readonly ItemLike[], maxBytes: number, options: PrepareOptions = {}): Promise<PreparedDocument[]> {
  const perItem = new Array<Array<PreparedDocument | Pending>>(items.length);
  let read = 0;
  let next = 0;
  const reader = async () => {
    while (next < items.length) {
      options.beforeItem?.();
      const index = next++;
      const docs = await readItem(items[index]!, maxBytes, options);
      perItem[index] = docs;
      read += docs.length;
      options.afterItem?.(read);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 1, items.length) }, reader));
  const all = perItem.flat();
  const unparsed = all.filter((d): d is Pending => 'raw' in d && !('ok' in d));
  const known =
    unparsed.length > 0 && options.known ? await options.known(unparsed.map((p) => p.digest)) : new Map<string, { sourceId: string; contentHash: string }>();
  const unknown = unparsed.filter((p) => !known.has(p.digest));
  const parse = options.parse ?? parseHere;
  const parsed =
    unknown.length > 0
      ? await parse(
          unknown.map((p) => ({ format: p.raw.format, bytes: p.raw.bytes })),
          maxBytes,
        )
      : [];
  const parsedOf = new Map(unknown.map((p, i) => [p, parsed[i]]));
  return all.map((doc): PreparedDocument => {
    if ('ok' in doc) return doc;
    const { digest } = doc;
    const identity = { seq: doc.seq, line: doc.raw.line ?? 0, path: doc.raw.file, sha256: doc.sha256, size: doc.raw.bytes.byteLength };
    const hit = known.get(digest);
    if (hit) return { ...identity, ok: true, digest, sourceId: hit.sourceId, contentHash: hit.contentHash, parse: () => reparse(doc.raw, maxBytes, digest) };
    const result = parsedOf.get(doc);
    if (!result) throw new Error(`no parse result for ${doc.raw.file}${doc.raw.line ? `:${doc.raw.line}` : ''}`);
    if (result.ok) return { ...identity, ok: true, digest, sourceId: result.sourceId, contentHash: result.contentHash, content: result.content };
    return { ...identity, ok: false, errors: result.errors, sourceId: sourceIdHint(doc.raw.bytes), raw: doc.raw.bytes };
  });
}

/** A known document's article after all; its bytes parsed to an accepted article when their digest was stored. */
function reparse(raw: RawDocument, maxBytes: number, digest: string): { article: Article; canonical: string } {
  const { result } = parseRawDocument(raw, { maxBytes });
  if (!result.ok) throw new Error(`${raw.file}${raw.line ? `:${raw.line}` : ''} (digest ${digest}) no longer parses: its stored digest is stale`);
  return { article: result.article, canonical: stableStringify(result.article) };
}

/** Results of the streaming path (and of reads refused before parsing) as prepared documents. */
function prepared({ seq, path }: Pick<ItemLike, 'seq' | 'path'>, results: readonly DocumentResult[]): PreparedDocument[] {
  return results.map(({ line, result, raw, unkept }): PreparedDocument => {
    const lineNo = line ?? 0;
    if (result.ok) {
      const canonical = stableStringify(result.article);
      const hash = sha256(canonical);
      const identity = raw ? { sha256: sha256(raw), size: raw.byteLength } : { sha256: hash, size: 0 };
      const { article } = result;
      return {
        seq,
        line: lineNo,
        path,
        ok: true,
        sourceId: article.sourceId,
        article,
        contentHash: hash,
        canonical,
        ...identity,
      };
    }
    if (raw)
      return {
        seq,
        line: lineNo,
        path,
        ok: false,
        errors: result.errors,
        sourceId: sourceIdHint(raw),
        sha256: sha256(raw),
        size: raw.byteLength,
        raw,
      };
    // Never read whole (oversize) or at all (refused): its size and streamed hash identify it.
    const identity = unkept ?? { size: 0, sha256: sha256(`unread:${path}`) };
    return { seq, line: lineNo, path, ok: false, errors: result.errors, sourceId: null, ...identity, raw: null };
  });
}
