// Parsing a read document into what its write needs, apart from reading it: the part of an import
// that costs the most CPU, which is why it can run on parse threads (parse-pool.ts) beside the thread
// that reads the files and talks to the database.
import { parseCanonicalJson, parseExport, type DocumentFormat, type FieldError } from '../domain/article/index.js';
import { articleContent, stableStringify, type ArticleContent } from '../domain/content.js';
import { sha256 } from '../sources/documents.js';

/** A document to parse: its format and bytes. */
export type ParseRequest = { format: DocumentFormat; bytes: Uint8Array };

/** An accepted document as its write needs it (the content hash covers `content.canonical`), or why it was rejected. */
export type ParsedForImport = { ok: true; sourceId: string; contentHash: string; content: ArticleContent } | { ok: false; errors: FieldError[] };

/** Parses documents, in this thread or on parse threads; results come back in the order asked. */
export type ParseDocuments = (docs: readonly ParseRequest[], maxBytes: number) => Promise<ParsedForImport[]>;

export function parseForImport(doc: ParseRequest, maxBytes: number): ParsedForImport {
  const result = doc.format === 'json' ? parseCanonicalJson(doc.bytes, { maxBytes }) : parseExport(doc.bytes, { maxBytes });
  if (!result.ok) return { ok: false, errors: result.errors };
  const canonical = stableStringify(result.article);
  return { ok: true, sourceId: result.article.sourceId, contentHash: sha256(canonical), content: articleContent(result.article, canonical) };
}

/** Parsing on the calling thread: tests, the direct loop, and a worker configured with no parse threads. */
export const parseHere: ParseDocuments = (docs, maxBytes) => Promise.resolve(docs.map((doc) => parseForImport(doc, maxBytes)));
