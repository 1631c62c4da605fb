import { loadConfig } from '../config.js';
import { apiGet } from './api-client.js';
import { pathOf } from '../http/contract.js';
import type { Cli } from './output.js';

export type ListImportsOptions = { json?: boolean; limit?: number; offset?: number };

/** `pressroom imports`: the recorded import runs (GET /imports), newest first. */
export async function listImports(options: ListImportsOptions, cli: Cli): Promise<number> {
  const offset = options.offset ?? 0;
  const query = new URLSearchParams({ limit: String(options.limit ?? 20), offset: String(offset) });
  const page = await apiGet(loadConfig(cli.env), 'listImports', `${pathOf('listImports', {})}?${query.toString()}`);
  // An older worker answers without a total: then the page is all we know.
  const total = page.total ?? offset + page.imports.length;
  cli.out.list({ total, items: page.imports }, options.json ?? false, ({ items }) => {
    cli.out.print(`${total} import run(s)${items.length < total ? `, showing ${items.length} from offset ${offset}` : ''}`);
    cli.out.table([
      ['WORKFLOW', 'STATUS', 'STARTED', 'FILES', 'CREATED', 'UPDATED', 'UNCHANGED', 'REJECTED'],
      ...items.map((run) => {
        const c = run.report?.counts;
        const files = c ? `${c.files}/${run.report?.total ?? '?'}` : run.total == null ? '-' : `?/${run.total}`;
        const status = `${run.status}${run.dryRun ? ' (plan)' : ''}`;
        return [
          run.workflowId,
          status,
          String(run.startedAt),
          files,
          ...(c ? [c.created, c.updated, c.unchanged, c.rejected].map(String) : ['-', '-', '-', '-']),
        ];
      }),
    ]);
  });
  return 0;
}
