// `pressroom search QUERY`: the worker's GET /search, printed as a list or one JSON document.

import { loadConfig } from '../config.js';
import { pathOf } from '../http/contract.js';
import { apiGet } from './api-client.js';
import type { Cli } from './output.js';

export type SearchOptions = { json?: boolean; tool?: string; stack?: string; difficulty?: string; codeLanguage?: string; page?: number };

/** A snippet's HTML as terminal text: the marks as *…*, the entities decoded. */
export function snippetText(html: string): string {
  return html
    .replace(/<\/?mark>/g, '*')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

export async function search(words: string[], options: SearchOptions, cli: Cli): Promise<number> {
  const query = new URLSearchParams({ q: words.join(' ') });
  for (const name of ['tool', 'stack', 'difficulty', 'codeLanguage'] as const) {
    const value = options[name];
    if (value !== undefined) query.set(name, value);
  }
  if (options.page !== undefined) query.set('page', String(options.page));
  const result = await apiGet(loadConfig(cli.env), 'search', `${pathOf('search', {})}?${query.toString()}`);
  if (options.json) {
    cli.out.json(result);
    return 0;
  }
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  cli.out.print(
    result.total === 0
      ? `no results for "${result.query}" (generation ${result.generation})`
      : `${result.capped ? 'the best ' : ''}${result.total} result(s) for "${result.query}", page ${result.page} of ${pages} (generation ${result.generation})`,
  );
  result.hits.forEach((hit, i) => {
    cli.out.print(`${String((result.page - 1) * result.pageSize + i + 1).padStart(3)}. ${hit.title}  [${hit.sourceId}]`);
    cli.out.print(`     ${hit.path}`);
    cli.out.print(`     ${snippetText(hit.snippet)}`);
  });
  return 0;
}
