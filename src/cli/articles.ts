import { loadConfig } from '../config.js';
import { apiGet } from './api-client.js';
import { pathOf } from '../http/contract.js';
import { UsageError } from './errors.js';
import type { Cli } from './output.js';

export type ListArticlesOptions = { json?: boolean; limit?: number; offset?: number; reviewState?: string };

export async function listArticles(options: ListArticlesOptions, cli: Cli): Promise<number> {
  const query = new URLSearchParams({
    limit: String(options.limit ?? 100),
    offset: String(options.offset ?? 0),
    ...(options.reviewState ? { reviewState: options.reviewState } : {}),
  });
  const { total, articles } = await apiGet(loadConfig(cli.env), 'listArticles', `${pathOf('listArticles', {})}?${query.toString()}`);
  cli.out.list({ total, items: articles }, options.json ?? false, (page) => {
    cli.out.print(`${page.total} article(s)${page.items.length < page.total ? `, showing ${page.items.length} from offset ${options.offset ?? 0}` : ''}`);
    cli.out.table(page.items.map((a) => [a.sourceId, `r${a.currentRevision}`, a.reviewState, a.title]));
  });
  return 0;
}

export async function showArticle(sourceId: string, options: { json?: boolean }, cli: Cli): Promise<number> {
  if (sourceId.trim() === '') throw new UsageError('SOURCE_ID must not be empty');
  const article = await apiGet(loadConfig(cli.env), 'getArticle', pathOf('getArticle', { sourceId }));
  if (options.json) {
    cli.out.json(article);
    return 0;
  }
  cli.out.print(`${article.sourceId}: ${article.title}\n  slug ${article.slug}, review ${article.reviewState}, current revision ${article.currentRevision}`);
  cli.out.table(
    article.revisions.map((r) => [`r${r.revision}`, r.contentHash.slice(0, 16), String(r.createdAt), `import ${r.importRun ?? '-'}`]),
    '  ',
  );
  return 0;
}
