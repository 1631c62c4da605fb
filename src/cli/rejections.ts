import { loadConfig } from '../config.js';
import type { RejectionRow } from '../store/imports.js';
import { apiGet } from './api-client.js';
import { parseFlags } from './args.js';

const HELP = `usage: pressroom rejections [--all] [--json] [--limit N]

Lists quarantined documents (through the worker's HTTP API): where each came from, why it was
rejected, and the import run that saw it last. --all includes entries resolved by a later import.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { all: { type: 'boolean' }, json: { type: 'boolean' }, limit: { type: 'string' }, help: { type: 'boolean' } }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig();
  const query = new URLSearchParams({ limit: values.limit ?? '1000', ...(values.all ? { all: 'true' } : {}) });
  const { total, rejections } = await apiGet<{ total: number; rejections: RejectionRow[] }>(config, `/rejections?${query}`);
  if (values.json) {
    for (const r of rejections) console.log(JSON.stringify(r));
    return 0;
  }
  console.log(`${total} ${values.all ? '' : 'open '}rejection(s)${total > 0 ? ': the same bytes are rejected again on every try; fix the document and import it again' : ''}`);
  for (const r of rejections) {
    console.log(`${r.path}${r.line ? `:${r.line}` : ''}${r.sourceId ? ` (${r.sourceId})` : ''}${r.resolvedAt ? ' [resolved]' : ''}`);
    for (const e of r.errors) console.log(`    ${e.field}: ${e.message}`);
  }
  return 0;
}
