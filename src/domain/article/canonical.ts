// Canonical JSON articles (`.json`: one article, `.ndjson`: one per line), validated by the same
// schema and cleaned by the same text rules as parsed exports.
import { consistencyWarnings } from './checks.js';
import { decodeDocument } from './decode.js';
import { issuesToFieldErrors } from './issues.js';
import { checkJsonValue, parseJson } from './json.js';
import { DEFAULT_MAX_DOCUMENT_BYTES, onePerField, rejected } from './result.js';
import type { ParseResult } from './result.js';
import { sanitizeArticle } from './sanitize.js';
import { Article } from './schema.js';

export type CanonicalOptions = { maxBytes?: number };

/** Validates an already-decoded value as a canonical article. */
export function parseCanonical(value: unknown): ParseResult {
  // First, what would make validation itself unsafe (nesting deep enough to overflow a recursive
  // walk) or the result unstorable (NUL, lone surrogates); zod then adds what else is wrong.
  const unsafe = checkJsonValue(value);
  const first = Article.safeParse(value);
  if (unsafe.length > 0) return rejected(onePerField([...unsafe, ...(first.success ? [] : issuesToFieldErrors(first.error.issues))]));
  if (!first.success) return rejected(issuesToFieldErrors(first.error.issues));
  // Cleaning can empty a required field (a title that was only markup), so validate what is kept.
  const clean = Article.safeParse(sanitizeArticle(first.data));
  if (!clean.success) return rejected(issuesToFieldErrors(clean.error.issues));
  return { ok: true, article: clean.data, warnings: consistencyWarnings(clean.data) };
}

function parseJsonText(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return rejected([parsed.error]);
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    return rejected([{ field: 'document', message: `expected a JSON object (one article), got ${found}` }]);
  }
  return parseCanonical(value);
}

/** A `.json` document: exactly one article. */
export function parseCanonicalJson(input: string | Uint8Array, options: CanonicalOptions = {}): ParseResult {
  const text = decodeDocument(input, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES);
  return typeof text === 'string' ? parseJsonText(text) : rejected([text]);
}

/** One line of an `.ndjson` document, already split; the size limit applies per line. */
export function parseCanonicalLine(line: string | Uint8Array, options: CanonicalOptions = {}): ParseResult {
  return parseCanonicalJson(line, options);
}

export type LineResult = { line: number; result: ParseResult };

/** A whole `.ndjson` document: one result per non-blank line, numbered from 1. */
export function parseCanonicalNdjson(text: string, options: CanonicalOptions = {}): LineResult[] {
  const results: LineResult[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line !== '') results.push({ line: i + 1, result: parseCanonicalLine(line, options) });
  }
  return results;
}
