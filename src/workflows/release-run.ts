import { ApplicationFailure, CancellationScope, ParentClosePolicy, log, patched, proxyActivities, setCurrentDetails, startChild } from '@temporalio/workflow';
import type { ReleaseActivities } from '../activities/release-types.js';
import type { ErrorType } from '../domain/errors.js';
import { describeFailure, now } from './failure.js';
import type { ReleaseReport, ReleaseStep } from '../domain/release/input.js';
import type { ReleaseMachine } from '../domain/release/machine.js';
import { RunOutcome, WorkflowIds } from '../domain/names.js';
import type { ReindexWorkflowInput } from '../domain/search/input.js';
import { compensation, quickStore, releaseBuild, releaseChecks, releasePurge, releaseVerify } from './profiles.js';
import { markOutcome } from './search-attributes.js';

// What releaseWorkflow and rollbackWorkflow share: the activity proxies (one profile per step), how a
// failure is named, and how a run ends (recorded in the store, marked for the Web UI, reported).

const { acquireReleaseLock, releaseReleaseLock, pointEnvironment, tagRelease } = proxyActivities<ReleaseActivities>(quickStore);
const { buildRelease, planRollback } = proxyActivities<ReleaseActivities>(releaseBuild);
const { runChecks } = proxyActivities<ReleaseActivities>(releaseChecks);
const { purgeRoutes } = proxyActivities<ReleaseActivities>(releasePurge);
const { verifyEnvironment } = proxyActivities<ReleaseActivities>(releaseVerify);
const landing = proxyActivities<ReleaseActivities>(compensation);

// (An activity proxy has no own keys: pick its functions by name, never spread it.)
export const steps = {
  acquireReleaseLock,
  releaseReleaseLock,
  pointEnvironment,
  tagRelease,
  buildRelease,
  planRollback,
  runChecks,
  purgeRoutes,
  verifyEnvironment,
};

/** The steps that must land whatever happened before them: moving production back, and recording the outcome. */
export const mustLand = { pointEnvironment: landing.pointEnvironment, purgeRoutes: landing.purgeRoutes, recordReleaseOutcome: landing.recordReleaseOutcome };

const OUTCOME: Partial<Record<ReleaseStep, RunOutcome>> = {
  live: RunOutcome.live,
  rejected: RunOutcome.rejected,
  abandoned: RunOutcome.abandoned,
  failed: RunOutcome.failed,
  'rolled-back': RunOutcome.rolledBack,
};

export function showDetails(machine: ReleaseMachine): void {
  setCurrentDetails(machine.details());
}

/** Records the run's current status in the store; outside any cancelled scope, so it lands after a cancel too. */
export async function recordStatus(machine: ReleaseMachine): Promise<void> {
  const releaseId = machine.releaseId;
  if (releaseId === null) return;
  const decision = machine.decision;
  await CancellationScope.nonCancellable(() =>
    mustLand.recordReleaseOutcome({
      releaseId,
      status: machine.releaseStatus(),
      checks: machine.checkReport,
      decision: decision === null ? null : { by: decision.by, reason: decision.reason, at: decision.at },
      reason: machine.reason,
    }),
  );
}

/** Ends a live run: recorded, marked, reported. */
/**
 * Production's move and what follows it, the same for a release and a rollback: point, purge the routes
 * that differ from `baseRelease`, tag, verify, then report live. Not cancellable: a half-done promotion
 * is worse than a finished one, and a failure is the caller's to compensate or report.
 */
export function goLive(
  machine: ReleaseMachine,
  move: { releaseId: string; baseRelease: string | null; actor: string; action: 'promote' | 'rollback'; workflowId: string; reason: string | null },
): Promise<ReleaseReport> {
  const { releaseId, baseRelease } = move;
  return CancellationScope.nonCancellable(async () => {
    const moved = await steps.pointEnvironment({
      environment: 'production',
      releaseId,
      actor: move.actor,
      action: move.action,
      workflowId: move.workflowId,
      reason: move.reason,
    });
    machine.promotedTo(moved, now());
    showDetails(machine);
    machine.purged(await steps.purgeRoutes({ environment: 'production', releaseId, previous: baseRelease }), now());
    showDetails(machine);
    machine.tagDone(await steps.tagRelease({ releaseId }), now());
    showDetails(machine);
    machine.productionVerified(await steps.verifyEnvironment({ environment: 'production', releaseId, previous: baseRelease }), now());
    const report = await finishLive(machine);
    await refreshSearch(releaseId, move.actor);
    return report;
  });
}

/** Marks the runs that start the search refresh, so those started before it replay without the child. */
export const SEARCH_REFRESH_PATCH = 'search-refresh-after-promotion';

/**
 * Starts an incremental reindex for the release now live: a child that outlives this run (ABANDON), so
 * the release reports at once and search catches up on its own. Once per release (its workflow id names
 * it); a failure to start is logged, never the release's failure: the next full or incremental reindex
 * catches up all the same.
 */
async function refreshSearch(releaseId: string, actor: string): Promise<void> {
  if (!patched(SEARCH_REFRESH_PATCH)) return;
  const input: ReindexWorkflowInput = { mode: 'incremental', requestedBy: actor, trigger: releaseId };
  try {
    await startChild('reindexWorkflow', {
      workflowId: WorkflowIds.reindexIncremental(releaseId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `search refresh after ${releaseId}`,
    });
  } catch (error) {
    log.warn('could not start the search refresh after the promotion', { releaseId, error: describeFailure(error).message });
  }
}

export async function finishLive(machine: ReleaseMachine): Promise<ReleaseReport> {
  await recordStatus(machine);
  markOutcome(RunOutcome.live);
  showDetails(machine);
  return machine.report();
}

/**
 * Ends a run that did not go live (the machine is already in its terminal step): records it and returns
 * the failure the workflow fails with, of the vocabulary `type`, carrying the report as its details.
 */
export async function finishFailed(machine: ReleaseMachine, type: ErrorType, cause?: unknown): Promise<ApplicationFailure> {
  let note = '';
  try {
    await recordStatus(machine);
  } catch (error) {
    // The run's own failure matters more than the bookkeeping's; the message still says the store may lag.
    note = ` (recording this outcome failed too: ${describeFailure(error).message})`;
  }
  markOutcome(OUTCOME[machine.step] ?? RunOutcome.failed);
  showDetails(machine);
  const report = machine.report();
  return ApplicationFailure.create({
    type,
    message: `${machine.detailsLine()}${note}`,
    nonRetryable: true,
    details: [report],
    cause: cause instanceof Error ? cause : undefined,
  });
}

/**
 * Gives the release lock back, whatever happened: a no-op when this run never held it. A failure to
 * give it back is logged, not thrown: it must not replace the run's own outcome, and the next release
 * is refused naming this run as the holder, which says where to look.
 */
export async function releaseLock(workflowId: string): Promise<void> {
  try {
    await CancellationScope.nonCancellable(() => steps.releaseReleaseLock({ workflowId }));
  } catch (error) {
    log.error('could not give the release lock back', { workflowId, error: describeFailure(error).message });
  }
}
