// Article text is plain text: whoever renders it must never meet markup or control characters from an
// export. Hand-written scanners instead of regexes over tags, so hostile input cannot trigger
// backtracking and clean input (the common case) costs one indexOf.
import type { Article, Block, Meta } from './schema.js';

// Bidi overrides and the BOM are invisible and can disguise text; the rest are C0/C1 controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const WHITESPACE_RUN = /\s+/g;

// Regexes, not charCodeAt loops: irregexp scans these explicit classes several times faster.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HAS_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/;
const NEEDS_COLLAPSE = / {2}|[\t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** Whether the text holds a character text never keeps; tab, CR and LF carry layout and stay. */
export function hasControlChars(value: string): boolean {
  return HAS_CONTROL.test(value);
}

/** Drops control characters but keeps tab, CR and LF. */
export function dropControlChars(value: string): string {
  return HAS_CONTROL.test(value) ? value.replace(CONTROL, '') : value;
}

/** Runs of white space become one space; the ends are trimmed. Untouched strings are not copied. */
export function collapseWhitespace(value: string): string {
  if (NEEDS_COLLAPSE.test(value)) return value.replace(WHITESPACE_RUN, ' ').trim();
  return value.charCodeAt(0) === 32 || value.charCodeAt(value.length - 1) === 32 ? value.trim() : value;
}

function isTagNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isTagNameChar(code: number): boolean {
  return isTagNameStart(code) || (code >= 48 && code <= 57) || code === 45;
}

/** Where `</name` starts at or after `from`, compared case-insensitively; -1 if nowhere. */
function findClosingTag(value: string, name: string, from: number): number {
  let at = value.indexOf('</', from);
  while (at !== -1) {
    if (value.slice(at + 2, at + 2 + name.length).toLowerCase() === name && !isTagNameChar(value.charCodeAt(at + 2 + name.length))) return at;
    at = value.indexOf('</', at + 2);
  }
  return -1;
}

/** What, after a `<`, makes an HTML parser open a tag, an end tag, a comment or a declaration. */
function opensMarkup(code: number): boolean {
  return isTagNameStart(code) || code === 47 /* / */ || code === 33 /* ! */ || code === 63; /* ? */
}

/**
 * Where the markup ends whose `<` comes right before `at` (value[at] opens markup): the index after
 * it; the end of the text for an unclosed comment or <script>/<style> element (their content is never
 * text); -1 when no `>` follows at all, which makes this `<` and everything after it text.
 */
function markupEnd(value: string, at: number): number {
  if (value.startsWith('!--', at)) {
    const end = value.indexOf('-->', at + 3);
    return end === -1 ? value.length : end + 3;
  }
  const gt = value.indexOf('>', at);
  if (gt === -1) return -1;
  if (isTagNameStart(value.charCodeAt(at))) {
    let end = at;
    while (isTagNameChar(value.charCodeAt(end))) end++;
    const name = value.slice(at, end).toLowerCase();
    if (name === 'script' || name === 'style') {
      const close = findClosingTag(value, name, gt + 1);
      const closeGt = close === -1 ? -1 : value.indexOf('>', close);
      return closeGt === -1 ? value.length : closeGt + 1;
    }
  }
  return gt + 1;
}

const MARKUP_START = /<[A-Za-z/!?]/;
const MARKUP_STARTS = /<(?=[A-Za-z/!?])/g;

/**
 * The text rule every text field keeps: the result never holds `<` followed by an ASCII letter, `/`,
 * `!` or `?`, so no renderer can read markup in it. Removes tags, comments, and <script>/<style>
 * elements with their content.
 *
 * Removing a tag can join its neighbours into a new one (`<<img>img onerror=…>`), so the scan works
 * like a stack: the `<`s not yet followed by text are held back, and when what follows a removed tag
 * opens markup, the last held `<` opens it. That is the fixed point of stripping again and again, in
 * one linear pass. A `<` that opens no tag because no `>` follows (`x<y`, an unclosed
 * `<img src=x onerror=…`) keeps its character but gets a space after it: `x< y` reads the same and is
 * no tag anywhere. Idempotent: its output passes through unchanged.
 */
export function stripTags(value: string): string {
  let next = value.indexOf('<');
  if (next === -1) return value;
  let out = value.slice(0, next);
  let held = 0;
  let i = next;
  while (i < value.length) {
    const code = value.charCodeAt(i);
    if (code === 60 /* < */) {
      held++;
      i++;
    } else if (held > 0 && opensMarkup(code)) {
      const end = markupEnd(value, i);
      // No `>` anywhere after: nothing later can close a tag either, so the rest is text.
      if (end === -1) break;
      held--;
      i = end;
    } else {
      next = value.indexOf('<', i);
      if (next === -1) next = value.length;
      out += held > 0 ? '<'.repeat(held) + value.slice(i, next) : value.slice(i, next);
      held = 0;
      i = next;
    }
  }
  out += '<'.repeat(held) + value.slice(i);
  return MARKUP_START.test(out) ? out.replace(MARKUP_STARTS, '< ') : out;
}

/** A text field as stored: no markup, no control characters, white space collapsed. */
export function plainText(value: string): string {
  return collapseWhitespace(stripTags(dropControlChars(value)));
}

export type TextCleaner = (value: string) => string;

/** plainText for text whose control characters are already gone: the export parser drops them once. */
export const plainTextOfClean: TextCleaner = (value) => collapseWhitespace(stripTags(value));

const NOT_BLANK = /\S/;

/**
 * A `meta.extra` line as stored: kept verbatim (white space included) except for what no text keeps,
 * control characters and markup; null when nothing but blanks is left.
 */
export function extraLine(value: string): string | null {
  const line = stripTags(dropControlChars(value));
  return NOT_BLANK.test(line) ? line : null;
}

/** Code keeps markup and indentation (`List<String>` is code, not a tag); only trailing blanks go. */
export function plainCode(value: string): string {
  const lines = dropControlChars(value)
    .split('\n')
    .map((line) => line.trimEnd());
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start] === '') start++;
  while (end > start && lines[end - 1] === '') end--;
  return lines.slice(start, end).join('\n');
}

/** Case-insensitive de-duplication keeping the first spelling; empty items are dropped. */
export function dedupeItems(items: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    if (item === '') continue;
    const key = item.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

function cleanList(items: readonly string[]): string[] {
  return items.map(plainText).filter((item) => item !== '');
}

function cleanBlock(block: Block): Block {
  switch (block.type) {
    case 'paragraph':
      return { type: 'paragraph', text: plainText(block.text) };
    case 'code':
      return { type: 'code', text: plainCode(block.text) };
    case 'list':
      return { type: 'list', items: dedupeItems(cleanList(block.items)) };
    case 'image':
      return { type: 'image', caption: plainText(block.caption), source: plainText(block.source) };
  }
}

function cleanRecord<T extends Record<string, unknown>>(record: T, keep: ReadonlySet<string> = new Set()): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = typeof value === 'string' && !keep.has(key) ? plainText(value) : value;
  }
  return out as T;
}

const VERBATIM_KEYS = new Set(['url', 'sourceId', 'hash', 'version', 'lastReviewed', 'difficulty']);

function cleanMeta(meta: Meta): Meta {
  const out = cleanRecord(meta, VERBATIM_KEYS);
  if (meta.stack) out.stack = cleanList(meta.stack);
  if (meta.tools) out.tools = dedupeItems(cleanList(meta.tools));
  if (meta.checklist) out.checklist = cleanList(meta.checklist);
  if (meta.notes) out.notes = cleanList(meta.notes);
  if (meta.extra) out.extra = meta.extra.map(extraLine).filter((line) => line !== null);
  if (meta.outline) out.outline = cleanRecord(meta.outline);
  if (meta.revision) out.revision = cleanRecord(meta.revision, VERBATIM_KEYS);
  if (meta.entities) out.entities = meta.entities.map((entity) => cleanRecord(entity));
  if (meta.images) out.images = meta.images.map((image) => cleanRecord(image, VERBATIM_KEYS));
  out.payload = cleanRecord(meta.payload, VERBATIM_KEYS);
  return out;
}

/**
 * Applies the export parser's text rules to an article that arrived as canonical JSON, so both
 * routes store the same kind of text. The result must be validated again: cleaning can empty a field.
 */
export function sanitizeArticle(article: Article): Article {
  return {
    sourceId: article.sourceId,
    title: plainText(article.title),
    lede: article.lede === null ? null : plainText(article.lede),
    sections: article.sections.map((section) => ({
      heading: section.heading === null ? null : plainText(section.heading),
      blocks: section.blocks.map(cleanBlock),
    })),
    meta: cleanMeta(article.meta),
  };
}
