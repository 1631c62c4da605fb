// Pure helpers on canonical article content: stable serialisation (what the content hash covers),
// field-level diffs (what a dry run reports as changing) and slugs.
import type { Article } from './article/index.js';
import { ErrorType, PressroomError } from './errors.js';

/** Deeper than any article (6 levels): past this the value is not content, and recursion must stop. */
const MAX_STRINGIFY_DEPTH = 64;

/** JSON with object keys sorted at every depth: two equal articles serialise to the same bytes. */
export function stableStringify(value: unknown): string {
  return stringifyAt(value, 0);
}

// Built with plain loops and string appends: every imported document is hashed through this, and the
// map/filter/join version allocated an array per object and per key (a tenth of a worker's CPU). A
// subtree whose keys already come in sorted order is handed to the native JSON.stringify, which writes
// exactly the same bytes for it at about half the cost; the parser builds its blocks in that order.
function stringifyAt(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // A bounded recursion instead of a stack overflow: validated articles never come near the limit.
  if (depth >= MAX_STRINGIFY_DEPTH)
    throw new PressroomError(ErrorType.InvalidInput, `cannot serialise a value nested more than ${MAX_STRINGIFY_DEPTH} levels deep`);
  if (isNativeStable(value, depth)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + stringifyAt(item === undefined ? null : item, depth + 1);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + stringifyAt(item, depth + 1);
  }
  return out + '}';
}

/**
 * Whether JSON.stringify writes this value exactly as stringifyAt would: plain objects whose own keys
 * enumerate in strictly ascending order, plain arrays, and only strings, numbers, booleans, null and
 * undefined inside (a function, symbol or bigint, a toJSON method or a class instance goes the long
 * way), within the depth limit. Reads the subtree without allocating a string.
 */
function isNativeStable(value: object, depth: number): boolean {
  if (depth >= MAX_STRINGIFY_DEPTH) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) if (!isNativeStableItem(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === 'function') return false;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0 && !(keys[i - 1]! < key)) return false;
    if (!isNativeStableItem(record[key], depth + 1)) return false;
  }
  return true;
}

function isNativeStableItem(item: unknown, depth: number): boolean {
  switch (typeof item) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      return item === null || isNativeStable(item, depth);
    default:
      return false;
  }
}

/**
 * What writing an article needs of it: its stable JSON as UTF-8 (what is stored, and what the content
 * hash covers) and the facts its articles row holds beside it. A reader that parsed the article
 * elsewhere (a parse thread) sends only this; the article itself is rebuilt from the JSON when an
 * update's changed fields need it.
 */
export type ArticleContent = { json: Uint8Array; title: string; needsHumanReview: boolean };

const utf8 = new TextEncoder();

/** Whether the article's own flags ask for a human review (the review policy decides what that means). */
export const needsHumanReview = (article: Article): boolean => article.meta.flags?.needsHumanReview === true;

export function articleContent(article: Article, canonical: string = stableStringify(article)): ArticleContent {
  return { json: utf8.encode(canonical), title: article.title, needsHumanReview: needsHumanReview(article) };
}

/**
 * The fields that differ between two versions of an article, as canonical paths: top-level keys,
 * and meta.<key> one level down, which is the granularity an editor reviews at.
 */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort()) {
    const a = before[key];
    const b = after[key];
    if (key === 'meta' && isRecord(a) && isRecord(b)) {
      for (const metaKey of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (stableStringify(a[metaKey]) !== stableStringify(b[metaKey])) changed.push(`meta.${metaKey}`);
      }
    } else if (stableStringify(a) !== stableStringify(b)) {
      changed.push(key);
    }
  }
  return changed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A URL slug from a title: lower-case ASCII words joined by '-', at most 80 characters. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug === '' ? 'article' : slug;
}

/**
 * An article's URL slug: the title's words, `--`, then the source id. Unique by construction, so two
 * articles never contend for a slug (concurrent batches deadlocked on exactly that): slugify never
 * produces `--` and never ends in `-`, so the first `--` in a slug is always the separator and the
 * source id after it is recovered whole; distinct source ids give distinct slugs whatever the titles
 * (with one `-`, `intro` + `alphanode-000001` and `intro-alphanode` + `000001` were the same slug).
 * Stable once chosen: a later title edit does not move the page.
 */
export function articleSlug(article: { title: string; sourceId: string }): string {
  return `${slugify(article.title)}${SLUG_SEPARATOR}${article.sourceId}`;
}

export const SLUG_SEPARATOR = '--';
