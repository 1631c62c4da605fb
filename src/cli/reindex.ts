// `pressroom reindex [--full] [--wait]`, `reindex rollback` and `reindex generations`: start and follow
// reindexes through Temporal; the generations come from the worker's HTTP API.

import { userInfo } from 'node:os';
import { connectClient } from '../client.js';
import { reindexInput, reindexProgress, reindexResult, startReindex, type ReindexOutcome, type ReindexRequest } from '../client/reindex.js';
import { loadConfig } from '../config.js';
import { ErrorType, errorTypeOf } from '../domain/errors.js';
import type { ReindexProgress, ReindexReport } from '../domain/search/input.js';
import { pathOf } from '../http/contract.js';
import { apiGet } from './api-client.js';
import { UsageError } from './errors.js';
import { FOLLOW_LIMITS, followRun, QUERY_DEADLINE_MS } from './follow-run.js';
import type { Cli, Progress } from './output.js';
import { ReconnectingClient } from './reconnecting-client.js';

export type ReindexOptions = { full?: boolean; wait?: boolean; json?: boolean; by?: string; batchSize?: number; latencyGraceMs?: number };

const POLL_MS = 500;

/** One line of a reindex's progress: a bar while it fills, the step otherwise. */
export function reindexBar(p: ReindexProgress, width = 30): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : p.step === 'done' ? 1 : 0;
  const filled = Math.round(fraction * width);
  const generation = p.generation === null ? '' : ` generation ${p.generation}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${p.mode}${generation}: ${p.step}  ${p.done}/${p.total} documents${p.failed > 0 ? `  ${p.failed} failed` : ''}`;
}

/** The report in a few lines: what moved, the verification's checks, the timings. */
export function describeReindex(report: ReindexReport): string[] {
  const lines: string[] = [];
  if (report.mode === 'rollback') lines.push(`search rolled back: generation ${report.generation} is live again (was ${report.previous})`);
  else if (report.mode === 'incremental')
    lines.push(
      `generation ${report.generation} updated: ${report.caughtUp.upserted} article(s) written, ${report.caughtUp.removed} removed, watermark ${report.watermark?.releaseId ?? '-'}`,
    );
  else
    lines.push(
      report.swapped
        ? `generation ${report.generation} is live (was ${report.previous ?? 'none'}): ${report.documents} documents, ${report.similar} similar-post lists, caught up ${report.caughtUp.upserted} written / ${report.caughtUp.removed} removed`
        : `generation ${report.generation} was NOT swapped in: ${report.reason ?? 'see the checks'}`,
    );
  for (const check of report.verification?.checks ?? [])
    lines.push(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name}: ${check.actual} (expected ${check.expected})`);
  if (report.dropped.length > 0) lines.push(`  dropped generation(s) ${report.dropped.join(', ')}`);
  const timings = Object.entries(report.timingsMs)
    .filter(([, ms]) => ms > 0)
    .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`);
  if (timings.length > 0) lines.push(`  took: ${timings.join(', ')}`);
  if (report.reason && report.swapped) lines.push(`  note: ${report.reason}`);
  return lines;
}

/** Follows a reindex to its end, drawing its progress, reconnecting when Temporal restarts (follow-run.ts). */
function follow(temporal: ReconnectingClient, workflowId: string, progress: Progress): Promise<ReindexOutcome> {
  return followRun<ReindexOutcome, ReindexProgress>(
    {
      kind: 'reindex',
      workflowId,
      address: temporal.current.config.temporal.address,
      lookLater: `\`pressroom reindex generations\` (from the worker), or workflow ${workflowId} in the Web UI`,
      result: () => temporal.use((pc) => reindexResult(pc, workflowId)),
      watch: () => temporal.use((pc) => pc.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => reindexProgress(pc, workflowId))),
      reconnect: () => temporal.reconnect(),
    },
    { note: (text) => progress.note(text), show: (p) => progress.draw(reindexBar(p)) },
    { ...FOLLOW_LIMITS, pollEveryMs: POLL_MS },
  );
}

function printOutcome(cli: Cli, workflowId: string, outcome: ReindexOutcome, json: boolean): number {
  if (json) {
    cli.out.json(
      outcome.kind === 'done'
        ? { workflowId, status: 'completed', report: outcome.report }
        : { workflowId, status: outcome.status, type: outcome.type, message: outcome.message, report: outcome.report },
    );
    return outcome.kind === 'done' ? 0 : 1;
  }
  if (outcome.kind === 'done') {
    for (const line of describeReindex(outcome.report)) cli.out.print(line);
    return 0;
  }
  cli.out.note(`${workflowId} ${outcome.status} (${outcome.type}): ${outcome.message}`);
  if (outcome.report) for (const line of describeReindex(outcome.report)) cli.out.print(line);
  return 1;
}

async function runReindex(request: ReindexRequest, options: { wait: boolean; json: boolean }, cli: Cli): Promise<number> {
  try {
    reindexInput(request);
  } catch (error) {
    if (errorTypeOf(error) === ErrorType.InvalidInput) throw new UsageError((error as Error).message);
    throw error;
  }
  const config = loadConfig(cli.env);
  const temporal = new ReconnectingClient(await connectClient(config), () => connectClient(config));
  try {
    const { handle, attached } = await temporal.use((pc) => startReindex(pc, request));
    const workflowId = handle.workflowId;
    if (!options.wait) {
      if (options.json) cli.out.json({ workflowId, attached });
      else
        cli.out.print(
          `${attached ? 'attached to the running' : 'started'} ${request.mode} reindex ${workflowId}; follow it with \`pressroom reindex${request.mode === 'full' ? ' --full' : ''} --wait\` or in the Web UI`,
        );
      return 0;
    }
    if (!options.json) cli.out.note(`${attached ? 'attached to' : 'started'} ${workflowId}`);
    const progress = cli.out.progress(options.json);
    let outcome: ReindexOutcome;
    try {
      outcome = await follow(temporal, workflowId, progress);
    } finally {
      progress.finish();
    }
    return printOutcome(cli, workflowId, outcome, options.json);
  } finally {
    await temporal.close();
  }
}

const whoAmI = (by: string | undefined) => by ?? userInfo().username;

export function reindex(options: ReindexOptions, cli: Cli): Promise<number> {
  const requestedBy = whoAmI(options.by);
  const request: ReindexRequest = options.full
    ? {
        mode: 'full',
        requestedBy,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.latencyGraceMs === undefined ? {} : { verify: { latencyGraceMs: options.latencyGraceMs } }),
      }
    : { mode: 'incremental', requestedBy };
  if (!options.full && options.batchSize !== undefined) throw new UsageError('--batch-size applies to a full reindex only: add --full');
  if (!options.full && options.latencyGraceMs !== undefined) throw new UsageError('--latency-grace-ms applies to a full reindex only: add --full');
  return runReindex(request, { wait: options.wait ?? false, json: options.json ?? false }, cli);
}

export function reindexRollback(options: { by?: string; json?: boolean }, cli: Cli): Promise<number> {
  return runReindex({ mode: 'rollback', requestedBy: whoAmI(options.by) }, { wait: true, json: options.json ?? false }, cli);
}

export async function listGenerations(options: { json?: boolean }, cli: Cli): Promise<number> {
  const { live, generations } = await apiGet(loadConfig(cli.env), 'searchGenerations', pathOf('searchGenerations', {}));
  if (options.json) {
    cli.out.json({ live, generations });
    return 0;
  }
  cli.out.print(live === null ? 'no live search generation yet: run `pressroom reindex --full`' : `live search generation: ${live}`);
  cli.out.table(
    generations.map((g) => [
      String(g.id),
      g.live ? 'live' : g.status,
      `${g.documents} docs`,
      g.watermark.releaseId ?? '-',
      g.swappedAt ?? g.finishedAt ?? g.createdAt,
      g.workflowId,
    ]),
    '  ',
  );
  return 0;
}
