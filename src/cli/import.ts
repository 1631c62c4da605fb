import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { cancelImport, connectClient, importProgress, startImport, type PressroomClient } from '../client.js';
import { loadConfig, type Config } from '../config.js';
import type { ImportProgress, ImportReport } from '../domain/import/index.js';
import type { ResultRow } from '../store/imports.js';
import { apiGet } from './api-client.js';
import { parseFlags, parseWholeNumber, UsageError } from './args.js';

const HELP = `usage:
  pressroom import PATH… [--wait] [--json] [--dry-run] [--id ID] [--batch-size N] [--concurrency N]
  pressroom import status ID [--json]
  pressroom import cancel ID [--json]

Imports article exports (.txt, .json, .ndjson files, or directories of them) through importWorkflow.
The workflow id is import-<hash of the source> unless --id is given; starting an import whose id is
already running attaches to it instead of starting another.

  --wait           show a live progress bar and the final report
  --json           print JSON (the final report with --wait)
  --dry-run        write nothing; print the plan: what would be created, updated (which fields),
                   unchanged or rejected, and why (implies --wait)
  --id ID          workflow id to use instead of import-<hash>
  --batch-size N   documents per batch transaction (default IMPORT_BATCH_SIZE or 100)
  --concurrency N  batches at once (default IMPORT_CONCURRENCY or 4)

  status ID        progress of a running import, or the report of a finished one
  cancel ID        stop after the batches in flight; prints the partial report`;

type RunRecord = { runId: string; workflowId: string; status: string; report: ImportReport | null };

function bar(p: ImportProgress, width = 30): string {
  const fraction = p.total > 0 ? Math.min(1, p.processed / p.total) : 0;
  const filled = Math.round(fraction * width);
  const label = p.phase === 'listing' ? 'listing source…' : `${p.processed}/${p.total} files`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label}  created ${p.created}  updated ${p.updated}  unchanged ${p.unchanged}  rejected ${p.rejected}`;
}

function describeReport(report: ImportReport): string {
  const c = report.counts;
  return [
    `${report.dryRun ? 'plan' : 'import'} ${report.workflowId}: ${report.status}`,
    `  files ${c.files}/${report.total}, documents ${c.documents}: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, rejected ${c.rejected}`,
    `  run ${report.importRunId}, ${report.startedAt} → ${report.finishedAt}${report.runs > 1 ? `, ${report.runs} workflow runs (continue-as-new)` : ''}`,
  ].join('\n');
}

async function waitWithProgress(pc: PressroomClient, workflowId: string, json: boolean): Promise<ImportReport | { cancelled: true }> {
  const handle = pc.client.workflow.getHandle(workflowId);
  const result = handle.result() as Promise<ImportReport>;
  let done = false;
  const settled = result.then(
    () => (done = true),
    () => (done = true),
  );
  const tty = process.stderr.isTTY && !json;
  let last = '';
  while (!done) {
    const progress = await importProgress(pc, workflowId).catch(() => undefined);
    if (progress) {
      const line = bar(progress);
      if (tty) process.stderr.write(`\r${line}`);
      else if (!json && line !== last) process.stderr.write(`${line}\n`);
      last = line;
    }
    await Promise.race([settled, sleep(500)]);
  }
  if (tty) process.stderr.write('\n');
  try {
    return await result;
  } catch (error) {
    if (error instanceof WorkflowFailedError && error.cause?.name === 'CancelledFailure') return { cancelled: true };
    throw error;
  }
}

async function storedReport(config: Config, workflowId: string): Promise<ImportReport | undefined> {
  const run = await apiGet<RunRecord>(config, `/imports/${encodeURIComponent(workflowId)}`).catch(() => undefined);
  return run?.report ?? undefined;
}

async function printPlan(config: Config, report: ImportReport, json: boolean): Promise<void> {
  const { results } = await apiGet<{ results: ResultRow[] }>(config, `/imports/${encodeURIComponent(report.importRunId)}/results?limit=10000`);
  if (json) {
    console.log(JSON.stringify({ report, plan: results }));
    return;
  }
  console.log(describeReport(report));
  for (const r of results) {
    const where = `${r.path}${r.line ? `:${r.line}` : ''}`;
    if (r.outcome === 'rejected') console.log(`  reject     ${where}: ${(r.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    else if (r.outcome === 'updated') console.log(`  update     ${r.sourceId} (${(r.changedFields ?? []).join(', ')})`);
    else console.log(`  ${r.outcome === 'created' ? 'create   ' : 'unchanged'}  ${r.sourceId}`);
  }
  if (results.length < report.counts.documents) console.log(`  … ${report.counts.documents - results.length} more (GET ${config.apiUrl}/imports/${report.importRunId}/results?offset=${results.length})`);
}

async function status(config: Config, id: string, json: boolean): Promise<number> {
  const pc = await connectClient(config);
  try {
    const description = await pc.client.workflow.getHandle(id).describe().catch(() => undefined);
    if (description?.status.name === 'RUNNING') {
      const progress = await importProgress(pc, id);
      console.log(json ? JSON.stringify({ workflowId: id, status: 'running', progress }) : `${id}: running\n  ${bar(progress)}`);
      return 0;
    }
    const report = await storedReport(config, id);
    if (!report) {
      console.error(`no import "${id}" found in Temporal or in the store`);
      return 1;
    }
    console.log(json ? JSON.stringify(report) : describeReport(report));
    return 0;
  } finally {
    await pc.close();
  }
}

async function cancel(config: Config, id: string, json: boolean): Promise<number> {
  const pc = await connectClient(config);
  try {
    await cancelImport(pc, id);
    if (!json) console.error(`cancel requested for ${id}; waiting for the batches in flight …`);
    const outcome = await waitWithProgress(pc, id, true).catch((error: unknown) => ({ error }));
    const report = 'importRunId' in outcome ? outcome : await storedReport(config, id);
    if (!report) {
      console.error(`cancelled ${id}, but its report could not be read from the worker's API`);
      return 1;
    }
    console.log(json ? JSON.stringify(report) : describeReport(report));
    return 0;
  } finally {
    await pc.close();
  }
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    id: { type: 'string' },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const json = values.json ?? false;
  const [first, second] = positionals;
  if (first === 'status' || first === 'cancel') {
    if (!second || positionals.length > 2) throw new UsageError(`pressroom import ${first} takes exactly one import id`);
    const config = loadConfig();
    return first === 'status' ? status(config, second, json) : cancel(config, second, json);
  }
  if (positionals.length === 0) throw new UsageError('expected at least one PATH to import');
  const paths = positionals.map((p) => resolve(p));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new UsageError(`no such file or directory: ${missing.join(', ')}`);

  const config = loadConfig();
  const dryRun = values['dry-run'] ?? false;
  const request = {
    paths,
    dryRun,
    batchSize: parseWholeNumber('batch-size', values['batch-size'], 1, 1_000) ?? config.import.batchSize,
    concurrency: parseWholeNumber('concurrency', values.concurrency, 1, 64) ?? config.import.concurrency,
  };
  const pc = await connectClient(config);
  try {
    const { handle, attached } = await startImport(pc, request, values.id ? { id: values.id } : {});
    if (!json) console.error(`${attached ? 'attached to running' : 'started'} import ${handle.workflowId}${dryRun ? ' (dry run)' : ''}`);
    if (!(values.wait || dryRun)) {
      if (json) console.log(JSON.stringify({ workflowId: handle.workflowId, attached }));
      else console.error(`follow it: pressroom import status ${handle.workflowId}, or the Temporal Web UI`);
      return 0;
    }
    const outcome = await waitWithProgress(pc, handle.workflowId, json);
    const report = 'importRunId' in outcome ? outcome : await storedReport(config, handle.workflowId);
    if (!report) {
      console.error(`import ${handle.workflowId} was cancelled`);
      return 1;
    }
    if (report.dryRun) await printPlan(config, report, json);
    else console.log(json ? JSON.stringify(report) : describeReport(report));
    return report.status === 'completed' ? 0 : 1;
  } finally {
    await pc.close();
  }
}
