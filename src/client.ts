import { createHash } from 'node:crypto';
import { Client, Connection, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import type { ReviewInput, ReviewResult } from './activities/review.js';
import type { Config } from './config.js';
import { ImportRequest, type ImportProgress } from './domain/import/index.js';
import { WorkflowIds } from './domain/names.js';
import { connectionOptions } from './temporal/connection.js';
import type { importWorkflow } from './workflows/import.js';
import { progressQuery } from './workflows/messages.js';
import type { ProbeWorkflowInput, ProbeWorkflowResult } from './workflows/probe.js';

// Typed starters with business workflow ids. Workflows are named by their exported function name,
// the same string the worker registers.

export type PressroomClient = { client: Client; connection: Connection; config: Config; close(): Promise<void> };

export async function connectClient(config: Config): Promise<PressroomClient> {
  const connection = await Connection.connect(connectionOptions(config));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, connection, config, close: () => connection.close() };
}

export async function runProbe(pc: PressroomClient, input: ProbeWorkflowInput): Promise<ProbeWorkflowResult> {
  return pc.client.workflow.execute('probeWorkflow', {
    taskQueue: pc.config.temporal.taskQueue,
    workflowId: WorkflowIds.probe(input.key),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [input],
  });
}

/** A short, stable hash of the source (sorted absolute paths): the import's business id. */
export function sourceHash(paths: readonly string[]): string {
  return createHash('sha256').update([...paths].sort().join('\n')).digest('hex').slice(0, 12);
}

export type ImportHandle = WorkflowHandle<typeof importWorkflow>;

/**
 * Starts an import, or attaches to the one already running for the same source (same id):
 * two `pressroom import DIR` calls never run the same import twice.
 */
export async function startImport(pc: PressroomClient, request: ImportRequest, options: { id?: string } = {}): Promise<{ handle: ImportHandle; attached: boolean }> {
  const parsed = ImportRequest.parse(request);
  const workflowId = options.id ?? WorkflowIds.import(sourceHash(parsed.paths), parsed.dryRun);
  const existing = pc.client.workflow.getHandle<typeof importWorkflow>(workflowId);
  const running = await existing.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  if (running) return { handle: existing, attached: true };
  const shown = parsed.paths.length === 1 ? parsed.paths[0] : `${parsed.paths[0]} and ${parsed.paths.length - 1} more`;
  const handle = await pc.client.workflow.start<typeof importWorkflow>('importWorkflow', {
    taskQueue: pc.config.temporal.taskQueue,
    workflowId,
    args: [parsed],
    // Covers the race where another client started it between our look and our start.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `${parsed.dryRun ? 'Plan (dry run) of an import' : 'Import'} of ${shown}`,
    staticDetails: [
      `paths: ${parsed.paths.join(', ')}`,
      `batch size ${parsed.batchSize}, concurrency ${parsed.concurrency}${parsed.dryRun ? ', dry run: writes nothing' : ''}`,
    ].join('\n'),
    memo: { source: parsed.paths.slice(0, 20), dryRun: parsed.dryRun },
  });
  return { handle, attached: false };
}

export async function importProgress(pc: PressroomClient, workflowId: string): Promise<ImportProgress> {
  return pc.client.workflow.getHandle(workflowId).query(progressQuery);
}

export async function cancelImport(pc: PressroomClient, workflowId: string): Promise<void> {
  await pc.client.workflow.getHandle(workflowId).cancel();
}

export async function runReview(pc: PressroomClient, input: ReviewInput): Promise<ReviewResult> {
  return pc.client.workflow.execute('reviewWorkflow', {
    taskQueue: pc.config.temporal.taskQueue,
    workflowId: WorkflowIds.review(input.decision, `${Date.now().toString(36)}-${input.sourceIds.length}`),
    args: [input],
    staticSummary: `${input.decision} ${input.sourceIds.length} article(s) by ${input.reviewer}`,
  });
}
