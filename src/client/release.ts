import type { WorkflowHandle } from '@temporalio/client';
import { endedOutcome, type Ended } from './outcome.js';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { describeIssues } from '../domain/input.js';
import { WorkflowIds } from '../domain/names.js';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  ReleaseDecisionInput,
  ReleaseWorkflowInput,
  RollbackWorkflowInput,
  type ReleaseReport,
  type ReleaseStatusView,
} from '../domain/release/input.js';
import { approveReleaseUpdate, rejectReleaseUpdate, releaseStatusQuery } from '../workflows/messages.js';
import { releaseWorkflow } from '../workflows/release.js';
import { rollbackWorkflow } from '../workflows/rollback.js';
import { startOrAttach } from './start.js';
import type { PressroomClient } from './types.js';

// Starting, deciding and watching releases and rollbacks. Defaults are applied here, never in the
// workflow: the input in history is complete, and a changed default never alters a replay.

export type ReleaseRequest = { requestedBy: string; only?: readonly string[] | null; autoApprove?: boolean; approvalTimeoutMs?: number };
export type RollbackRequest = { requestedBy: string; target?: string | null; reason?: string };

export type ReleaseHandle = WorkflowHandle<typeof releaseWorkflow>;

function parsed<T>(
  what: string,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof describeIssues>[0] } },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new PressroomError(ErrorType.InvalidInput, `invalid ${what} (${describeIssues(result.error)})`);
  return result.data;
}

/** The complete releaseWorkflow input for a request: defaults filled in, or InvalidInput naming each field. */
export function releaseInput(request: ReleaseRequest): ReleaseWorkflowInput {
  return parsed('release request', ReleaseWorkflowInput, {
    requestedBy: request.requestedBy,
    only: request.only && request.only.length > 0 ? [...new Set(request.only)].sort() : null,
    autoApprove: request.autoApprove ?? false,
    approvalTimeoutMs: request.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
  });
}

export function rollbackInput(request: RollbackRequest): RollbackWorkflowInput {
  // The reason is recorded in the audit trail; the bare `pressroom rollback ID` a report prints gets one too.
  return parsed('rollback request', RollbackWorkflowInput, {
    requestedBy: request.requestedBy,
    target: request.target ?? null,
    reason: request.reason ?? `rollback requested by ${request.requestedBy}`,
  });
}

/**
 * Starts the release `releaseId` (the worker's API names the candidate's release before it is built), or
 * attaches to the one already running for the same candidate: triggered twice, it publishes once.
 * Another candidate while a release runs is refused by the workflow's release lock.
 */
export async function startRelease(pc: PressroomClient, request: ReleaseRequest, releaseId: string): Promise<{ handle: ReleaseHandle; attached: boolean }> {
  const input = releaseInput(request);
  const workflowId = WorkflowIds.release(releaseId);
  return startOrAttach(pc, releaseWorkflow, {
    workflowId,
    args: [input],
    staticSummary: `release by ${input.requestedBy}${input.only ? ` of ${input.only.length} article(s)` : ' of every approved change'}${input.autoApprove ? ', auto-approve' : ''}`,
  });
}

export async function startRollback(
  pc: PressroomClient,
  request: RollbackRequest,
): Promise<{ handle: WorkflowHandle<typeof rollbackWorkflow>; attached: boolean }> {
  const input = rollbackInput(request);
  const workflowId = WorkflowIds.rollback(input.target);
  return startOrAttach(pc, rollbackWorkflow, {
    workflowId,
    args: [input],
    staticSummary: `rollback to ${input.target ?? 'the previous release'} by ${input.requestedBy}: ${input.reason}`,
  });
}

/** A release's workflow id from what an operator types: the workflow id itself (release-…), or the release id (rel-…). */
export function releaseWorkflowId(ref: string): string {
  return ref.startsWith('release-') ? ref : WorkflowIds.release(ref);
}

export async function releaseStatus(pc: PressroomClient, workflowId: string): Promise<ReleaseStatusView> {
  return pc.client.workflow.getHandle(workflowId).query(releaseStatusQuery);
}

/** Approves or rejects a release awaiting approval; the workflow's validator refuses anything else, and says why. */
export async function decideRelease(pc: PressroomClient, workflowId: string, approve: boolean, decision: ReleaseDecisionInput): Promise<ReleaseStatusView> {
  const input = parsed('decision', ReleaseDecisionInput, decision);
  return pc.client.workflow.getHandle(workflowId).executeUpdate(approve ? approveReleaseUpdate : rejectReleaseUpdate, { args: [input] });
}

/** A release id (rel-…, rb-…) from what an operator types: the id itself, or its release workflow id (release-rel-…). */
export function releaseIdOf(ref: string): string {
  return ref.startsWith('release-') ? ref.slice('release-'.length) : ref;
}

/** How a release or rollback run ended: live with its report, or not, with the failure's type and message (and the report when the workflow made one). */
export type ReleaseOutcome = { kind: 'live'; report: ReleaseReport } | Ended<ReleaseReport>;

function isReport(value: unknown): value is ReleaseReport {
  return typeof value === 'object' && value !== null && typeof (value as { step?: unknown }).step === 'string' && 'workflowId' in value;
}

/**
 * The outcome a WorkflowFailedError stands for. releaseWorkflow and rollbackWorkflow fail with an
 * ApplicationFailure whose type says why and whose details[0] is the report; anything else (terminated,
 * timed out, cancelled, a bad input) carries no report. Any other error is not an outcome: rethrown.
 */
export function releaseOutcomeOf(error: unknown): ReleaseOutcome {
  return endedOutcome(error, isReport);
}

/** Waits for a release's or rollback's end (following its runs); a lost connection is thrown for the caller to retry. */
export async function releaseResult(pc: PressroomClient, workflowId: string): Promise<ReleaseOutcome> {
  return (pc.client.workflow.result(workflowId) as Promise<ReleaseReport>).then((report) => ({ kind: 'live' as const, report }), releaseOutcomeOf);
}
