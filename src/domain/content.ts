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
// map/filter/join version allocated an array per object and per key (a tenth of a worker's CPU).
function stringifyAt(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // A bounded recursion instead of a stack overflow: validated articles never come near the limit.
  if (depth >= MAX_STRINGIFY_DEPTH)
    throw new PressroomError(ErrorType.InvalidInput, `cannot serialise a value nested more than ${MAX_STRINGIFY_DEPTH} levels deep`);
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
 * What writing an article needs of it: its stable JSON (what is stored and hashed) and the facts its
 * articles row holds beside it. A reader that parsed the article elsewhere (a parse thread) sends only
 * this; the article itself is rebuilt from the JSON when an update's changed fields need it.
 */
export type ArticleContent = { canonical: string; title: string; needsHumanReview: boolean };

export function articleContent(article: Article, canonical: string = stableStringify(article)): ArticleContent {
  return { canonical, title: article.title, needsHumanReview: article.meta.flags?.needsHumanReview === true };
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
