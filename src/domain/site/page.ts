import { Meta, type Article, type Block } from '../article/index.js';
import type { Environment } from '../release/model.js';
import { escapeHtml } from './escape.js';
import { htmlDocument } from './layout.js';
import { articlePath, indexPath } from './paths.js';

// An article's HTML page: the body (lede, sections and their blocks) and the meta box beside it.
// Every piece of text is escaped. The meta box walks the meta record generically, so each array
// field (stack, tools, checklist, notes, extra, entities, images, and any added later) renders as a
// list and each nested record (outline, score, flags, ...) as a definition list.

export type SimilarView = { slug: string; title: string };
export type ArticleView = {
  environment: Environment;
  slug: string;
  title: string;
  revision: number;
  article: Article;
  /** The exports' empty "Similar Posts" section, filled by the search index (none before the first reindex). */
  similar?: readonly SimilarView[];
};

/** The order the article format lists meta fields in; fields it does not know follow, sorted. */
const META_ORDER: readonly string[] = Object.keys(Meta.shape);

/** `readingTimeMinutes` → `reading time minutes`. */
export function labelFor(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

function renderBlock(block: Block | { type: string }): string {
  const b = block as Partial<Record<string, unknown>> & { type: string };
  switch (b.type) {
    case 'paragraph':
      return `<p>${text(b.text)}</p>`;
    case 'code':
      return `<pre><code>${text(b.text)}</code></pre>`;
    case 'list':
      return `<ul>${(Array.isArray(b.items) ? b.items : []).map((item) => `<li>${text(item)}</li>`).join('')}</ul>`;
    case 'image':
      // The block's source is free text, never a URL this page loads: it is shown, not fetched.
      return `<figure><div class="image-source">${text(b.source)}</div><figcaption>${text(b.caption)}</figcaption></figure>`;
    default:
      return '';
  }
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'bigint') return escapeHtml(String(value));
  return '';
}

/** An http(s) link for `url` fields (validated at import), plain text otherwise. */
function renderScalar(key: string, value: unknown): string {
  if (key === 'url' && typeof value === 'string' && /^https?:\/\//i.test(value)) {
    return `<a href="${escapeHtml(value)}" rel="nofollow noopener noreferrer">${escapeHtml(value)}</a>`;
  }
  return text(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Depth guard: stored meta is at most three levels deep; anything deeper is not shown. */
const MAX_DEPTH = 6;

function renderValue(key: string, value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) return '';
  if (Array.isArray(value)) {
    return `<ul>${value.map((item) => `<li>${isRecord(item) || Array.isArray(item) ? renderValue(key, item, depth + 1) : renderScalar(key, item)}</li>`).join('')}</ul>`;
  }
  if (isRecord(value)) return renderRecord(value, depth + 1);
  return renderScalar(key, value);
}

function orderedKeys(record: Record<string, unknown>, order: readonly string[]): string[] {
  const known = order.filter((k) => k in record);
  const rest = Object.keys(record)
    .filter((k) => !order.includes(k))
    .sort();
  return [...known, ...rest];
}

function renderRecord(record: Record<string, unknown>, depth: number, order: readonly string[] = []): string {
  const items = orderedKeys(record, order)
    .filter((key) => record[key] !== undefined && record[key] !== null)
    .map((key) => `<dt>${escapeHtml(labelFor(key))}</dt><dd>${renderValue(key, record[key], depth)}</dd>`);
  return `<dl>${items.join('')}</dl>`;
}

/** The meta box alone (the page embeds it); exported for tests and for other pages that show it. */
export function renderMetaBox(meta: Record<string, unknown>): string {
  return `<aside class="meta"><h2>About this article</h2>${renderRecord(meta, 0, META_ORDER)}</aside>`;
}

export function renderArticlePage(view: ArticleView): string {
  const { article } = view;
  const sections = (Array.isArray(article.sections) ? article.sections : [])
    .map((section) => {
      const heading = section.heading ? `<h2>${escapeHtml(section.heading)}</h2>` : '';
      return `<section>${heading}${(Array.isArray(section.blocks) ? section.blocks : []).map(renderBlock).join('')}</section>`;
    })
    .join('\n');
  const lede = article.lede ? `<p class="lede">${escapeHtml(article.lede)}</p>\n` : '';
  const similar =
    view.similar && view.similar.length > 0
      ? `\n<section class="similar"><h2>Similar posts</h2><ul>${view.similar
          .map((p) => `<li><a href="${escapeHtml(articlePath(view.environment, p.slug))}">${escapeHtml(p.title)}</a></li>`)
          .join('')}</ul></section>`
      : '';
  const body =
    `<header><a href="${escapeHtml(indexPath(view.environment))}">${escapeHtml(view.environment)}</a></header>\n<main>\n` +
    `<article data-revision="${escapeHtml(String(view.revision))}">\n<h1>${escapeHtml(view.title)}</h1>\n${lede}${sections}${similar}\n</article>\n` +
    `${renderMetaBox(isRecord(article.meta) ? article.meta : {})}\n</main>`;
  return htmlDocument(view.title, body);
}
