import { loadConfig } from '../config.js';
import { apiGet } from './api-client.js';
import { pathOf } from '../http/contract.js';
import type { Cli } from './output.js';

export type ListRejectionsOptions = { all?: boolean; json?: boolean; limit?: number; offset?: number };

export async function listRejections(options: ListRejectionsOptions, cli: Cli): Promise<number> {
  const query = new URLSearchParams({ limit: String(options.limit ?? 1_000), offset: String(options.offset ?? 0), ...(options.all ? { all: 'true' } : {}) });
  const { total, rejections } = await apiGet(loadConfig(cli.env), 'listRejections', `${pathOf('listRejections', {})}?${query.toString()}`);
  cli.out.list({ total, items: rejections }, options.json ?? false, (page) => {
    const advice = page.total > 0 ? ': the same bytes are rejected again on every try; fix the document and import it again' : '';
    cli.out.print(`${page.total} ${options.all ? '' : 'open '}rejection(s)${advice}`);
    for (const r of page.items) {
      cli.out.print(`${r.path}${r.line ? `:${r.line}` : ''}${r.sourceId ? ` (${r.sourceId})` : ''}${r.resolvedAt ? ' [resolved]' : ''}`);
      for (const e of r.errors) cli.out.print(`    ${e.field}: ${e.message}`);
    }
  });
  return 0;
}
