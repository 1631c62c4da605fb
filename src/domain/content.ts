// Pure helpers on canonical article content: stable serialisation (what the content hash covers),
// field-level diffs (what a dry run reports as changing) and slugs.

/** JSON with object keys sorted at every depth: two equal articles serialise to the same bytes. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
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
 * An article's URL slug: the title's words, then the source id. Unique by construction, so two
 * articles with one title never contend for a slug (concurrent batches deadlocked on exactly that),
 * and stable once chosen: a later title edit does not move the page.
 */
export function articleSlug(article: { title: string; sourceId: string }): string {
  return `${slugify(article.title).slice(0, 80)}-${article.sourceId}`;
}
