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

// Control characters and lone surrogates in a key: a path is stored and shown, so it never carries one.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MAX_KEY_CHARS = 60;

/** A key as a path shows it: unshowable characters as `\uXXXX` escapes, and at most 60 characters. */
function showKey(key: string): string {
  let shown = key.replace(UNSHOWABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (shown.length > MAX_KEY_CHARS) {
    let end = MAX_KEY_CHARS - 3;
    const last = shown.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    shown = `${shown.slice(0, end)}...`;
  }
  return shown;
}

/** Renders a path the way FORMAT.md writes it: `meta.images[0].url`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = typeof part === 'string' ? showKey(part) : showKey(String(part));
      out += out === '' ? key : `.${key}`;
    }
  }
  return out === '' ? 'document' : out;
}

/** One error per field: the first reason is the one worth reading, the rest are usually echoes. */
export function onePerField(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => (seen.has(error.field) ? false : (seen.add(error.field), true)));
}
