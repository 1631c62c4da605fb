import { isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors.js';
import { RollbackWorkflowInput, type ReleaseReport } from '../domain/release/input.js';
import { ReleaseMachine, stepWords } from '../domain/release/machine.js';
import { WorkflowKind } from '../domain/names.js';
import { parseInput } from './input.js';
import { releaseStatusQuery } from './messages.js';
import { describeFailure, now } from './failure.js';
import { finishFailed, goLive, releaseLock, showDetails, steps } from './release-run.js';
import { markSource, markStarted } from './search-attributes.js';

export type { RollbackWorkflowInput } from '../domain/release/input.js';

/**
 * Points production back at an earlier release (by default the one it served before the current one),
 * then purges the routes that differ, tags and verifies. The rollback is recorded as a release of its
 * own (kind rollback, the target's manifest), so it is undone the same way: its report prints the
 * `pressroom rollback` command that returns to what production served before it.
 *
 * A failure after production moved is not compensated: the operator asked to leave the release it
 * served, and going back to it automatically would undo that. The run fails with the failure's type,
 * production stays on the rollback, and the report's rollbackCommand says how to return.
 */
export async function rollbackWorkflow(input: RollbackWorkflowInput): Promise<ReleaseReport> {
  const settings = parseInput('rollbackWorkflow', RollbackWorkflowInput, input);
  const { workflowId, startTime } = workflowInfo();
  markStarted(WorkflowKind.rollback, settings.target ?? 'previous');

  // A rollback never waits for approval: asking for it is the decision.
  const machine = new ReleaseMachine({
    kind: 'rollback',
    workflowId,
    requestedBy: settings.requestedBy,
    autoApprove: false,
    approvalTimeoutMs: 0,
    startedAt: startTime.toISOString(),
  });
  const show = () => showDetails(machine);
  show();
  setHandler(releaseStatusQuery, () => machine.status());

  let locked = false;
  try {
    await steps.acquireReleaseLock({ workflowId });
    locked = true;
    const plan = await steps.planRollback({ workflowId, requestedBy: settings.requestedBy, target: settings.target });
    machine.rollbackPlanned(plan, plan.target, { by: settings.requestedBy, reason: settings.reason }, now());
    markSource(plan.releaseId);
    show();
    const { releaseId, baseRelease } = plan;

    // As in a release, production's move and what follows it are not cancellable (goLive).
    return await goLive(machine, { releaseId, baseRelease, actor: settings.requestedBy, action: 'rollback', workflowId, reason: settings.reason });
  } catch (error) {
    if (machine.isTerminal) throw error;
    if (isCancellation(error)) {
      machine.abandon('cancelled before production moved; production was not touched', now());
      // Recorded and marked like any other end; the run itself ends cancelled, not with this failure.
      await finishFailed(machine, ErrorType.Unexpected, error);
      throw error;
    }
    const cause = describeFailure(error);
    const what = `${locked ? stepWords(machine.step, 'rollback') : 'taking the release lock'} failed: ${cause.message}`;
    machine.fail(machine.productionMoved ? `${what}; production serves ${machine.releaseId}` : `${what}; production was not touched`, now());
    throw await finishFailed(machine, cause.type, error);
  } finally {
    await releaseLock(workflowId);
  }
}
