import { loadConfig } from '../config.js';
import type { ArticleRevision, ArticleSummary } from '../store/articles.js';
import { apiGet } from './api-client.js';
import { parseFlags, UsageError } from './args.js';

const HELP = `usage:
  pressroom articles list [--json] [--limit N] [--offset N] [--review-state pending|approved|rejected]
  pressroom articles show SOURCE_ID [--json]

Shows what is stored (through the worker's HTTP API); show includes every revision.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    json: { type: 'boolean' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    'review-state': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [sub, id] = positionals;
  const config = loadConfig();
  if (sub === 'list') {
    const query = new URLSearchParams({ limit: values.limit ?? '100', offset: values.offset ?? '0', ...(values['review-state'] ? { reviewState: values['review-state'] } : {}) });
    const { total, articles } = await apiGet<{ total: number; articles: ArticleSummary[] }>(config, `/articles?${query}`);
    if (values.json) {
      for (const a of articles) console.log(JSON.stringify(a));
      return 0;
    }
    console.log(`${total} article(s)`);
    for (const a of articles) console.log(`${a.sourceId.padEnd(22)} r${a.currentRevision}  ${a.reviewState.padEnd(8)}  ${a.title}`);
    return 0;
  }
  if (sub === 'show') {
    if (!id) throw new UsageError('articles show takes a SOURCE_ID');
    const article = await apiGet<ArticleSummary & { revisions: ArticleRevision[] }>(config, `/articles/${encodeURIComponent(id)}`);
    if (values.json) {
      console.log(JSON.stringify(article));
      return 0;
    }
    console.log(`${article.sourceId}: ${article.title}\n  slug ${article.slug}, review ${article.reviewState}, current revision ${article.currentRevision}`);
    for (const r of article.revisions) console.log(`  r${r.revision}  ${r.contentHash.slice(0, 16)}  ${String(r.createdAt)}  import ${r.importRun ?? '-'}`);
    return 0;
  }
  throw new UsageError(`expected "list" or "show", got "${sub ?? ''}"`);
}
