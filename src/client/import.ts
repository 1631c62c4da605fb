import { createHash } from 'node:crypto';
import { type WorkflowHandle } from '@temporalio/client';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { ImportRequest, importDetails, importSummary, type ImportProgress, type ImportWorkflowInput } from '../domain/import/index.js';
import { describeIssues } from '../domain/input.js';
import { WorkflowIds } from '../domain/names.js';
import { importWorkflow } from '../workflows/import.js';
import { progressQuery } from '../workflows/messages.js';
import { startOrAttach } from './start.js';
import type { PressroomClient } from './types.js';

// Starting, watching and cancelling imports. Defaults are applied here (ImportRequest), never in the
// workflow, so the input in history is complete and a changed default never alters a replay.

/** A short, stable hash of the source (sorted absolute paths): the import's business id. */
export function sourceHash(paths: readonly string[]): string {
  return createHash('sha256')
    .update([...paths].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
}

export type ImportHandle = WorkflowHandle<typeof importWorkflow>;

/** The complete workflow input for a request: defaults filled in, or an InvalidInput error naming each field. */
export function importInput(request: ImportRequest): ImportWorkflowInput {
  const parsed = ImportRequest.safeParse(request);
  if (!parsed.success) throw new PressroomError(ErrorType.InvalidInput, `invalid import request (${describeIssues(parsed.error)})`);
  return parsed.data;
}

/**
 * Starts an import, or attaches to the one already running for the same source (same id):
 * two `pressroom import DIR` calls never run the same import twice.
 */
export async function startImport(
  pc: PressroomClient,
  request: ImportRequest,
  options: { id?: string } = {},
): Promise<{ handle: ImportHandle; attached: boolean }> {
  const input = importInput(request);
  const workflowId = options.id ?? WorkflowIds.import(sourceHash(input.paths), input.dryRun);
  // The workflow sets its memo, search attributes and current details itself (a `temporal workflow start`
  // gets the same); the static summary can only come from the starter, in the same words.
  return startOrAttach(pc, importWorkflow, { workflowId, args: [input], staticSummary: importSummary(input), staticDetails: importDetails(input) });
}

export async function importProgress(pc: PressroomClient, workflowId: string): Promise<ImportProgress> {
  return pc.client.workflow.getHandle<typeof importWorkflow>(workflowId).query(progressQuery);
}

export async function cancelImport(pc: PressroomClient, workflowId: string): Promise<void> {
  await pc.client.workflow.getHandle<typeof importWorkflow>(workflowId).cancel();
}
