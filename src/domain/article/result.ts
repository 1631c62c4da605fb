// What every reader (export text, canonical JSON) hands back: an article or the reasons it was refused.
import type { Article } from './schema.js';

/** A broken rule. `field` is the canonical path (`meta.images[0].url`, `document`, `title`). */
export type FieldError = { field: string; message: string };

/** Something odd but not wrong (a lost paragraph, inconsistent flags); never refuses the document. */
export type Warning = { field: string; message: string };

export type ParseResult = { ok: true; article: Article; warnings: Warning[] } | { ok: false; errors: FieldError[] };

/** Files larger than this are refused unread: a page export is a few KB, so 5 MB is not an article. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

export function rejected(errors: FieldError[]): ParseResult {
  return { ok: false, errors };
}

/** Renders a path the way FORMAT.md writes it: `meta.images[0].url`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'document' : out;
}

/** One error per field: the first reason is the one worth reading, the rest are usually echoes. */
export function onePerField(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => (seen.has(error.field) ? false : (seen.add(error.field), true)));
}
