import type { WorkflowHandle } from '@temporalio/client';
import { endedOutcome, type Ended } from './outcome.js';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { describeIssues } from '../domain/input.js';
import { WorkflowIds } from '../domain/names.js';
import {
  DEFAULT_REINDEX_BATCH,
  DEFAULT_VERIFY,
  ReindexWorkflowInput,
  type ReindexProgress,
  type ReindexReport,
  type VerifySettings,
} from '../domain/search/input.js';
import { reindexProgressQuery } from '../workflows/messages.js';
import { reindexWorkflow } from '../workflows/reindex.js';
import { startOrAttach } from './start.js';
import type { PressroomClient } from './types.js';

// Starting and watching reindexes. Defaults are applied here, never in the workflow: the input in
// history is complete, and a changed default never alters a replay.

export type ReindexRequest =
  | { mode: 'full'; requestedBy: string; batchSize?: number; verify?: Partial<VerifySettings> }
  | { mode: 'incremental'; requestedBy: string }
  | { mode: 'rollback'; requestedBy: string };

export type ReindexHandle = WorkflowHandle<typeof reindexWorkflow>;

/** The complete reindexWorkflow input for a request: defaults filled in, or InvalidInput naming each field. */
export function reindexInput(request: ReindexRequest): ReindexWorkflowInput {
  const input =
    request.mode === 'full'
      ? {
          mode: 'full',
          requestedBy: request.requestedBy,
          batchSize: request.batchSize ?? DEFAULT_REINDEX_BATCH,
          verify: { ...DEFAULT_VERIFY, ...request.verify },
        }
      : request.mode === 'incremental'
        ? { mode: 'incremental', requestedBy: request.requestedBy, trigger: null }
        : { mode: 'rollback', requestedBy: request.requestedBy };
  const parsed = ReindexWorkflowInput.safeParse(input);
  if (!parsed.success) throw new PressroomError(ErrorType.InvalidInput, `invalid reindex request (${describeIssues(parsed.error)})`);
  return parsed.data;
}

/** The workflow id a request runs under: one full reindex and one rollback at a time; an operator's incremental run is stamped. */
export function reindexWorkflowId(input: ReindexWorkflowInput, stamp: () => string = () => new Date().toISOString().replace(/[:.]/g, '-')): string {
  if (input.mode === 'full') return WorkflowIds.reindexFull();
  if (input.mode === 'rollback') return WorkflowIds.reindexRollback();
  return WorkflowIds.reindexIncremental(input.trigger ?? stamp());
}

/** Starts a reindex, or attaches to the one of the same id already running (a second full reindex attaches to the first). */
export async function startReindex(pc: PressroomClient, request: ReindexRequest): Promise<{ handle: ReindexHandle; attached: boolean }> {
  const input = reindexInput(request);
  const workflowId = reindexWorkflowId(input);
  return startOrAttach(pc, reindexWorkflow, { workflowId, args: [input], staticSummary: `${input.mode} reindex by ${input.requestedBy}` });
}

export async function reindexProgress(pc: PressroomClient, workflowId: string): Promise<ReindexProgress> {
  return pc.client.workflow.getHandle(workflowId).query(reindexProgressQuery);
}

export type ReindexOutcome = { kind: 'done'; report: ReindexReport } | Ended<ReindexReport>;

function isReport(value: unknown): value is ReindexReport {
  return typeof value === 'object' && value !== null && 'mode' in value && 'workflowId' in value;
}

/** How a reindex ended: its report, or the failure's type and message (with the report a failed verification carries). */
export async function reindexResult(pc: PressroomClient, workflowId: string): Promise<ReindexOutcome> {
  try {
    return { kind: 'done', report: (await pc.client.workflow.result(workflowId)) as ReindexReport };
  } catch (error) {
    return endedOutcome(error, isReport);
  }
}
