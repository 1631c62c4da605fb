import { ApplicationFailure, CancellationScope, condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { describeIssues } from '../domain/input.js';
import { ReleaseDecisionInput, ReleaseWorkflowInput, type ReleaseReport } from '../domain/release/input.js';
import { COMPENSATION_ACTOR, ReleaseMachine, stepWords } from '../domain/release/machine.js';
import { RunOutcome, WorkflowKind } from '../domain/names.js';
import { parseInput } from './input.js';
import { approveReleaseUpdate, rejectReleaseUpdate, releaseStatusQuery } from './messages.js';
import { describeFailure, now } from './failure.js';
import { finishFailed, goLive, mustLand, recordStatus, releaseLock, showDetails, steps } from './release-run.js';
import { markOutcome, markSource, markStarted } from './search-attributes.js';

export type { ReleaseReport, ReleaseStatusView, ReleaseWorkflowInput } from '../domain/release/input.js';

/**
 * Releases approved content: builds the candidate, checks it, stages and verifies it, waits for an
 * approval (or approves itself when asked to and every check passed), promotes production, purges the
 * changed routes, tags, and verifies production. Until promotion production is never touched; a
 * failure after it moves production back to the release it replaced (a compensation) and purges again.
 *
 * Returns the report when the release is live. Any other end fails the run with an ApplicationFailure
 * whose type says why (ChecksFailed, ApprovalRejected, ApprovalTimedOut, VerificationFailed, PurgeFailed,
 * ReleaseInProgress, …) and whose details carry the same report; the store records it either way.
 */
export async function releaseWorkflow(input: ReleaseWorkflowInput): Promise<ReleaseReport> {
  const settings = parseInput('releaseWorkflow', ReleaseWorkflowInput, input);
  const { workflowId, startTime } = workflowInfo();
  markStarted(WorkflowKind.release, settings.only === null ? 'approved' : `only: ${settings.only.join(' ')}`);

  const machine = new ReleaseMachine({
    kind: 'release',
    workflowId,
    requestedBy: settings.requestedBy,
    autoApprove: settings.autoApprove,
    approvalTimeoutMs: settings.approvalTimeoutMs,
    startedAt: startTime.toISOString(),
  });
  const show = () => showDetails(machine);
  show();
  setHandler(releaseStatusQuery, () => machine.status());
  for (const [update, approved] of [
    [approveReleaseUpdate, true],
    [rejectReleaseUpdate, false],
  ] as const) {
    const name = approved ? 'approveRelease' : 'rejectRelease';
    setHandler(
      update,
      // The validator is skipped on replay, so the handler checks again; both refuse with the same failure.
      (decision) => {
        decide(machine, name, approved, decision);
        show();
        return machine.status();
      },
      { validator: (decision) => void validDecision(machine, name, decision) },
    );
  }

  let locked = false;
  try {
    await steps.acquireReleaseLock({ workflowId });
    locked = true;

    const plan = await steps.buildRelease({ workflowId, requestedBy: settings.requestedBy, only: settings.only });
    machine.built(plan, now());
    markSource(plan.releaseId);
    show();
    const { releaseId, baseRelease } = plan;

    machine.checked(await steps.runChecks({ releaseId }), now());
    show();
    if (machine.step === 'failed') throw await finishFailed(machine, ErrorType.ChecksFailed);

    const staged = await steps.pointEnvironment({ environment: 'staging', releaseId, actor: settings.requestedBy, action: 'stage', workflowId, reason: null });
    // Staging's cache held whatever staging served before: purge what differs from that (all of it
    // when the pointer was already here, as after a retried step whose answer was lost).
    await steps.purgeRoutes({ environment: 'staging', releaseId, previous: staged.from === releaseId ? null : staged.from });
    machine.staged(now());
    show();
    // The routes verified are those the release changes against production, on both environments.
    machine.stagingVerified(await steps.verifyEnvironment({ environment: 'staging', releaseId, previous: baseRelease }), now());
    show();

    if (machine.step === 'awaiting-approval') {
      markOutcome(RunOutcome.awaitingApproval);
      await recordStatus(machine);
      const decided = await condition(() => machine.decision !== null, settings.approvalTimeoutMs);
      if (!decided) {
        machine.timedOut(now());
        throw await finishFailed(machine, ErrorType.ApprovalTimedOut);
      }
      markOutcome(RunOutcome.running);
      if (machine.decision?.approved === false) throw await finishFailed(machine, ErrorType.ApprovalRejected);
    }
    const decision = machine.decision!;

    // From here on a cancel is not obeyed: a half-done promotion is worse than a finished one, and a
    // failure is compensated below rather than left for whoever cancelled.
    return await goLive(machine, { releaseId, baseRelease, actor: decision.by, action: 'promote', workflowId, reason: decision.reason });
  } catch (error) {
    // Already ended (checks failed, rejected, timed out, or live but not recorded): the failure says it all.
    if (machine.isTerminal) throw error;
    if (isCancellation(error)) {
      machine.abandon('cancelled before promotion; production was not touched', now());
      // Recorded and marked like any other end; the run itself ends cancelled, not with this failure.
      await finishFailed(machine, ErrorType.Unexpected, error);
      throw error;
    }
    const cause = describeFailure(error);
    const what = `${locked ? stepWords(machine.step) : 'taking the release lock'} failed: ${cause.message}`;
    if (machine.canCompensate()) throw await compensate(machine, what, cause.type, error);
    machine.fail(
      machine.productionMoved
        ? `${what}; there is no earlier release to go back to, so production still serves ${machine.releaseId}`
        : `${what}; production was not touched`,
      now(),
    );
    throw await finishFailed(machine, cause.type, error);
  } finally {
    // Also when taking it failed: the lock may have been taken by an attempt whose answer was lost.
    await releaseLock(workflowId);
  }
}

/** Moves production back to the release this one replaced and purges again; returns the failure to end with. */
async function compensate(machine: ReleaseMachine, what: string, type: ErrorType, cause: unknown): Promise<ApplicationFailure> {
  const releaseId = machine.releaseId!;
  const base = machine.baseRelease!;
  machine.compensating(what, now());
  showDetails(machine);
  const { workflowId } = workflowInfo();
  try {
    await CancellationScope.nonCancellable(() =>
      mustLand.pointEnvironment({ environment: 'production', releaseId: base, actor: COMPENSATION_ACTOR, action: 'compensate', workflowId, reason: what }),
    );
  } catch (error) {
    machine.fail(`${what}; moving production back to ${base} failed too (${describeFailure(error).message}): production may still serve ${releaseId}`, now());
    return finishFailed(machine, type, cause);
  }
  try {
    const purge = await CancellationScope.nonCancellable(() => mustLand.purgeRoutes({ environment: 'production', releaseId: base, previous: releaseId }));
    machine.compensated(purge, now());
  } catch (error) {
    machine.compensated(null, now(), describeFailure(error).message);
  }
  return finishFailed(machine, type, cause);
}

/** The decision, parsed; an ApplicationFailure (InvalidInput) naming what is wrong otherwise. */
function validDecision(machine: ReleaseMachine, name: string, input: unknown): ReleaseDecisionInput {
  const parsed = ReleaseDecisionInput.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`${name} refused: ${describeIssues(parsed.error)}`, ErrorType.InvalidInput);
  const verdict = machine.canDecide();
  if (!verdict.ok) throw ApplicationFailure.nonRetryable(`${name} refused: ${verdict.reason}`, ErrorType.InvalidInput);
  return parsed.data;
}

function decide(machine: ReleaseMachine, name: string, approved: boolean, input: unknown): void {
  const decision = validDecision(machine, name, input);
  try {
    machine.decide(approved, decision, now());
  } catch (error) {
    // Not reachable after the check above; a PressroomError thrown raw would fail the workflow task instead of the update.
    if (error instanceof PressroomError) throw ApplicationFailure.nonRetryable(`${name} refused: ${error.message}`, error.type);
    throw error;
  }
}
