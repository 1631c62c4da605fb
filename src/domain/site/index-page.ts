import type { Environment } from '../release/model.js';
import { escapeHtml } from './escape.js';
import { htmlDocument } from './layout.js';
import { articlePath } from './paths.js';

// The index page: every article the environment's release publishes, linked by slug.

export type IndexEntryView = { slug: string; title: string; summary: string | null };
export type IndexView = { environment: Environment; release: { id: string; tag: string | null }; articles: readonly IndexEntryView[] };

export function renderIndexPage(view: IndexView): string {
  const items = view.articles.map((a) => {
    const summary = a.summary ? `<p>${escapeHtml(a.summary)}</p>` : '';
    return `<li><a href="${escapeHtml(articlePath(view.environment, a.slug))}">${escapeHtml(a.title)}</a>${summary}</li>`;
  });
  const release = view.release.tag ?? view.release.id;
  const body =
    `<header><h1>${escapeHtml(view.environment)}</h1><p>release ${escapeHtml(release)}, ${view.articles.length} article(s)</p></header>\n` +
    `<ul class="articles">\n${items.join('\n')}\n</ul>`;
  return htmlDocument(`${view.environment}: ${view.articles.length} article(s)`, body);
}
