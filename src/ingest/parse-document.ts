// Parsing a read document into what its write needs, apart from reading it: the part of an import
// that costs the most CPU, which is why it can run on parse threads (parse-pool.ts) beside the thread
// that reads the files and talks to the database.
import { parseCanonicalJson, parseExport, type DocumentFormat, type FieldError } from '../domain/article/index.js';
import { needsHumanReview, stableStringify, type ArticleContent } from '../domain/content.js';
import { sha256 } from '../sources/documents.js';

/** A document to parse: its format and bytes. */
export type ParseRequest = { format: DocumentFormat; bytes: Uint8Array };

/** An accepted document as its write needs it (the content hash covers `content.json`), or why it was rejected. */
export type ParsedForImport = { ok: true; sourceId: string; contentHash: string; content: ArticleContent } | { ok: false; errors: FieldError[] };

/** Parses documents, in this thread or on parse threads; results come back in the order asked. */
export type ParseDocuments = (docs: readonly ParseRequest[], maxBytes: number) => Promise<ParsedForImport[]>;

/** A parsed document's stable JSON as text, before it is encoded: a parse thread packs a batch's into one buffer. */
export type Serialised = { ok: true; sourceId: string; canonical: string; title: string; needsHumanReview: boolean } | { ok: false; errors: FieldError[] };

export function serialiseForImport(doc: ParseRequest, maxBytes: number): Serialised {
  const result = doc.format === 'json' ? parseCanonicalJson(doc.bytes, { maxBytes }) : parseExport(doc.bytes, { maxBytes });
  if (!result.ok) return { ok: false, errors: result.errors };
  const { article } = result;
  return {
    ok: true,
    sourceId: article.sourceId,
    canonical: stableStringify(article),
    title: article.title,
    needsHumanReview: needsHumanReview(article),
  };
}

const utf8 = new TextEncoder();

export function parseForImport(doc: ParseRequest, maxBytes: number): ParsedForImport {
  const result = serialiseForImport(doc, maxBytes);
  if (!result.ok) return result;
  const json = utf8.encode(result.canonical);
  return { ok: true, sourceId: result.sourceId, contentHash: sha256(json), content: { json, title: result.title, needsHumanReview: result.needsHumanReview } };
}

/** Parsing on the calling thread: tests, the direct loop, and a worker configured with no parse threads. */
export const parseHere: ParseDocuments = (docs, maxBytes) => Promise.resolve(docs.map((doc) => parseForImport(doc, maxBytes)));
