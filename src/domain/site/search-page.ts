import type { SearchParams, SearchResult } from '../search/query.js';
import { escapeHtml } from './escape.js';
import { htmlDocument } from './layout.js';
import { articlePath } from './paths.js';

// The search results page. Every piece of text is escaped; a snippet is already HTML (escaped text
// around <mark> elements, built by snippetHtml) and is the only markup taken as it is.

const FILTERS = ['tool', 'stack', 'difficulty', 'codeLanguage'] as const;

function pageLink(params: SearchParams, page: number): string {
  const query = new URLSearchParams({ q: params.q });
  for (const name of FILTERS) {
    const value = params[name];
    if (value !== undefined) query.set(name, value);
  }
  query.set('page', String(page));
  return `/search?${query.toString()}`;
}

export function renderSearchPage(params: SearchParams, result: SearchResult): string {
  const items = result.hits.map(
    (hit) => `<li><a href="${escapeHtml(articlePath('production', hit.slug))}">${escapeHtml(hit.title)}</a>` + `<p class="snippet">${hit.snippet}</p></li>`,
  );
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const nav = [
    result.page > 1 ? `<a rel="prev" href="${escapeHtml(pageLink(params, result.page - 1))}">previous</a>` : '',
    result.page < pages ? `<a rel="next" href="${escapeHtml(pageLink(params, result.page + 1))}">next</a>` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const filters = FILTERS.filter((name) => params[name] !== undefined)
    .map((name) => `${name}: ${escapeHtml(String(params[name]))}`)
    .join(', ');
  const summary =
    result.total === 0
      ? `no results for “${escapeHtml(result.query)}”`
      : `${result.capped ? 'the best ' : ''}${result.total} result(s) for “${escapeHtml(result.query)}”${filters ? ` (${filters})` : ''}, page ${result.page} of ${pages}`;
  const body =
    `<header><h1>Search</h1><form method="get" action="/search"><input name="q" value="${escapeHtml(params.q)}"><button>Search</button></form>` +
    `<p>${summary}</p></header>\n<ol class="results" start="${(result.page - 1) * result.pageSize + 1}">\n${items.join('\n')}\n</ol>\n<nav>${nav}</nav>`;
  return htmlDocument(`search: ${params.q}`, body);
}
