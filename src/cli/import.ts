// `pressroom import PATH…`, `import status ID`, `import cancel ID`: start and follow imports through
// Temporal; reports and plans come from the worker's HTTP API.

import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { cancelImport, connectClient, importInput, importProgress, startImport, type PressroomClient } from '../client.js';
import { loadConfig, type Config } from '../config.js';
import { ErrorType, errorTypeOf } from '../domain/errors.js';
import { MAX_SOURCE_PATHS, type ImportReport } from '../domain/import/index.js';
import { pathOf, WORKFLOW_ID_PATTERN, type ImportRunRecord } from '../http/contract.js';
import { apiGet } from './api-client.js';
import { ApiError, UsageError } from './errors.js';
import { QUERY_DEADLINE_MS } from './follow-run.js';
import { settle, waitForImport, type WaitOutcome } from './import-wait.js';
import { progressBar } from './output.js';
import { ReconnectingClient } from './reconnecting-client.js';
import type { Cli } from './output.js';

export type ImportOptions = { wait?: boolean; json?: boolean; dryRun?: boolean; id?: string; batchSize?: number; concurrency?: number };

/**
 * Absolute, symlink-free and de-duplicated paths, in the order given: `import R R`, or a source and
 * an alias of it, is one source. An empty argument is refused (resolve('') is the current directory).
 */
export async function resolveSourcePaths(paths: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const path of paths) {
    if (path.trim() === '') throw new UsageError('PATH must not be empty: an empty argument would import the current directory');
    try {
      resolved.push(await realpath(resolve(path)));
    } catch {
      throw new UsageError(`no such file or directory: ${path}`);
    }
  }
  const unique = [...new Set(resolved)];
  if (unique.length > MAX_SOURCE_PATHS) {
    throw new UsageError(`${unique.length} paths given, at most ${MAX_SOURCE_PATHS} are allowed per import; import the directory that holds them instead`);
  }
  return unique;
}

function checkWorkflowId(id: string): void {
  if (!WORKFLOW_ID_PATTERN.test(id))
    throw new UsageError(`an import id must be 1 to 255 printable ASCII characters without space or "/", got ${JSON.stringify(id)}`);
}

function describeReport(report: ImportReport): string {
  const c = report.counts;
  return [
    `${report.dryRun ? 'plan' : 'import'} ${report.workflowId}: ${report.status}`,
    `  files ${c.files}/${report.total}, documents ${c.documents}: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, rejected ${c.rejected}`,
    `  run ${report.importRunId}, ${report.startedAt} → ${report.finishedAt}${report.runs > 1 ? `, ${report.runs} workflow runs (continue-as-new)` : ''}`,
  ].join('\n');
}

/** The store's record of an import (by workflow or run id); undefined when the worker does not know it. */
async function storedRun(config: Config, id: string): Promise<ImportRunRecord | undefined> {
  try {
    return await apiGet(config, 'getImport', pathOf('getImport', { id }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

async function printPlan(cli: Cli, config: Config, report: ImportReport, json: boolean): Promise<void> {
  const { results } = await apiGet(config, 'importResults', `${pathOf('importResults', { id: report.importRunId })}?limit=10000`);
  if (json) {
    cli.out.json({ report, plan: results });
    return;
  }
  cli.out.print(describeReport(report));
  for (const r of results) {
    const where = `${r.path}${r.line ? `:${r.line}` : ''}`;
    if (r.outcome === 'rejected') cli.out.print(`  reject     ${where}: ${(r.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    else if (r.outcome === 'updated') cli.out.print(`  update     ${r.sourceId} (${(r.changedFields ?? []).join(', ')})`);
    else cli.out.print(`  ${r.outcome === 'created' ? 'create   ' : 'unchanged'}  ${r.sourceId}`);
  }
  if (results.length < report.counts.documents) {
    cli.out.print(`  … ${report.counts.documents - results.length} more (GET ${config.apiUrl}/imports/${report.importRunId}/results?offset=${results.length})`);
  }
}

/** Workers polling the task queue for workflow tasks, as the server saw them recently. */
async function workflowPollers(pc: PressroomClient): Promise<number> {
  const response = await pc.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
    pc.client.workflowService.describeTaskQueue({
      namespace: pc.config.temporal.namespace,
      taskQueue: { name: pc.config.temporal.taskQueue, kind: 1 /* TASK_QUEUE_KIND_NORMAL */ },
      taskQueueType: 1 /* TASK_QUEUE_TYPE_WORKFLOW */,
    }),
  );
  return response.pollers?.length ?? 0;
}

/** Waits for an import's end, reconnecting to Temporal when it restarts. */
async function follow(cli: Cli, temporal: ReconnectingClient, workflowId: string, silent: boolean): Promise<WaitOutcome> {
  const { config } = temporal.current;
  return waitForImport(
    {
      workflowId,
      address: config.temporal.address,
      taskQueue: config.temporal.taskQueue,
      result: () => temporal.use((pc) => pc.client.workflow.result(workflowId) as Promise<ImportReport>),
      progress: () => temporal.use((pc) => pc.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => importProgress(pc, workflowId))),
      pollers: () => temporal.use(workflowPollers),
      reconnect: () => temporal.reconnect(),
    },
    cli.out.progress(silent),
  );
}

function printFailure(cli: Cli, workflowId: string, outcome: Extract<WaitOutcome, { kind: 'failed' }>, json: boolean): void {
  if (json) cli.out.json({ workflowId, status: outcome.status, failure: outcome.failure });
  else {
    const { failure } = outcome;
    const retry = failure.nonRetryable === undefined ? '' : failure.nonRetryable ? ', not retryable' : ', retryable';
    cli.out.print(`import ${workflowId}: ${outcome.status}\n  ${failure.message} (${failure.type}${retry})`);
  }
}

export async function importPaths(paths: string[], options: ImportOptions, cli: Cli): Promise<number> {
  const resolved = await resolveSourcePaths(paths);
  if (options.id !== undefined) checkWorkflowId(options.id);
  const config = loadConfig(cli.env);
  const dryRun = options.dryRun ?? false;
  const json = options.json ?? false;
  const request = {
    paths: resolved,
    dryRun,
    batchSize: options.batchSize ?? config.import.batchSize,
    concurrency: options.concurrency ?? config.import.concurrency,
  };
  try {
    importInput(request);
  } catch (error) {
    if (errorTypeOf(error) === ErrorType.InvalidInput) throw new UsageError((error as Error).message);
    throw error;
  }
  if (!json && resolved.length < paths.length)
    cli.out.note(`${paths.length - resolved.length} duplicate path(s) ignored (the same file or directory after resolving links)`);

  const temporal = new ReconnectingClient(await connectClient(config), () => connectClient(config));
  try {
    const { handle, attached } = await temporal.use((pc) => startImport(pc, request, options.id !== undefined ? { id: options.id } : {}));
    const workflowId = handle.workflowId;
    if (!json) cli.out.note(`${attached ? 'attached to running' : 'started'} import ${workflowId}${dryRun ? ' (dry run)' : ''}`);
    if (!(options.wait || dryRun)) {
      if (json) cli.out.json({ workflowId, attached });
      else cli.out.note(`follow it: pressroom import status ${workflowId}, or the Temporal Web UI`);
      return 0;
    }
    const outcome = await follow(cli, temporal, workflowId, json);
    if (outcome.kind === 'failed') {
      printFailure(cli, workflowId, outcome, json);
      return 1;
    }
    const report = outcome.kind === 'completed' ? outcome.report : (await storedRun(config, workflowId).catch(() => undefined))?.report;
    if (!report) {
      cli.out.note(`import ${workflowId} was cancelled`);
      return 1;
    }
    if (report.dryRun) await printPlan(cli, config, report, json);
    else if (json) cli.out.json(report);
    else cli.out.print(describeReport(report));
    return report.status === 'completed' ? 0 : 1;
  } finally {
    await temporal.close();
  }
}

async function describe(pc: PressroomClient, id: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await pc.client.workflow.getHandle(id).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

const STATUS_WORDS: Record<string, string> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed out',
  CONTINUED_AS_NEW: 'continued as new',
};

export async function importStatus(id: string, options: { json?: boolean }, cli: Cli): Promise<number> {
  checkWorkflowId(id);
  const json = options.json ?? false;
  const config = loadConfig(cli.env);
  const pc = await connectClient(config);
  try {
    const description = await describe(pc, id);
    if (!description) {
      // Temporal does not know the id (a run id, or past retention): the store may still have its report.
      const run = await storedRun(config, id);
      if (!run) {
        cli.out.note(`no import "${id}" in Temporal (namespace ${config.temporal.namespace} at ${config.temporal.address}) or in the worker's store`);
        return 1;
      }
      if (run.report) cli.out.print(json ? JSON.stringify(run.report) : describeReport(run.report));
      else
        cli.out.print(
          json
            ? JSON.stringify({ workflowId: run.workflowId, runId: run.runId, status: run.status })
            : `import ${run.workflowId}: ${run.status} (no report recorded)`,
        );
      return 0;
    }
    if (description.status.name === 'RUNNING') {
      const progress = await pc.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => importProgress(pc, id)).catch(() => undefined);
      const pollers = await workflowPollers(pc).catch(() => undefined);
      const noWorker = pollers === 0 ? `no worker is polling task queue "${config.temporal.taskQueue}": it waits until one starts` : undefined;
      if (json) cli.out.json({ workflowId: id, status: 'running', progress: progress ?? null, ...(noWorker ? { warning: noWorker } : {}) });
      else {
        cli.out.print(`import ${id}: running${progress ? `\n  ${progressBar(progress)}` : ' (no progress answer: is a worker running?)'}`);
        if (noWorker) cli.out.note(noWorker);
      }
      return 0;
    }
    // Closed: the result (or the failure) is in Temporal's history; the report of a cancelled one is in the store.
    const outcome = await (pc.client.workflow.result(id) as Promise<ImportReport>).then(
      (report): WaitOutcome => ({ kind: 'completed', report }),
      (error: unknown) => settle(error),
    );
    if (outcome.kind === 'completed') {
      cli.out.print(json ? JSON.stringify(outcome.report) : describeReport(outcome.report));
      return 0;
    }
    if (outcome.kind === 'failed') {
      printFailure(cli, id, outcome, json);
      return 0;
    }
    const report = (await storedRun(config, id).catch(() => undefined))?.report;
    if (report) cli.out.print(json ? JSON.stringify(report) : describeReport(report));
    else
      cli.out.print(
        json ? JSON.stringify({ workflowId: id, status: 'cancelled' }) : `import ${id}: cancelled (its report could not be read from the worker's API)`,
      );
    return 0;
  } finally {
    await pc.close();
  }
}

export async function importCancel(id: string, options: { json?: boolean }, cli: Cli): Promise<number> {
  checkWorkflowId(id);
  const json = options.json ?? false;
  const config = loadConfig(cli.env);
  const temporal = new ReconnectingClient(await connectClient(config), () => connectClient(config));
  try {
    const description = await temporal.use((pc) => describe(pc, id));
    if (!description) {
      cli.out.note(`no import "${id}" in Temporal (namespace ${config.temporal.namespace} at ${config.temporal.address}); nothing to cancel`);
      return 1;
    }
    if (description.status.name !== 'RUNNING') {
      const status = STATUS_WORDS[description.status.name ?? ''] ?? String(description.status.name).toLowerCase();
      cli.out.note(`import ${id} had already finished (${status}); nothing to cancel. \`pressroom import status ${id}\` shows how it ended`);
      return 1;
    }
    await temporal.use((pc) => cancelImport(pc, id));
    if (!json) cli.out.note(`cancel requested for ${id}; waiting for the batches in flight …`);
    const outcome = await follow(cli, temporal, id, true);
    if (outcome.kind === 'failed') {
      printFailure(cli, id, outcome, json);
      return 1;
    }
    const report = outcome.kind === 'completed' ? outcome.report : (await storedRun(config, id).catch(() => undefined))?.report;
    if (!report) {
      cli.out.note(`cancelled ${id}, but its report could not be read from the worker's API`);
      return 1;
    }
    cli.out.print(json ? JSON.stringify(report) : describeReport(report));
    return 0;
  } finally {
    await temporal.close();
  }
}
