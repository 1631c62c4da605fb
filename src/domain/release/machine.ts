import { ErrorType, PressroomError } from '../errors.js';
import { formatCount } from '../import/summary.js';
import {
  RELEASE_STEPS,
  rollbackCommand,
  type Compensation,
  type ReleaseDecisionInput,
  type ReleaseKind,
  type ReleaseReport,
  type ReleaseStatusView,
  type ReleaseStep,
} from './input.js';
import type { CheckReport, PointerMove, PurgeReport, ReleaseDecision, ReleasePlan, ReleaseStatus, VerifyReport } from './model.js';

// The release's state machine, without Temporal: releaseWorkflow and rollbackWorkflow drive it (one
// method per step that finished) and answer the `releaseStatus` query and the Web UI from it. Every
// transition names the steps it may leave, so an order the workflow must never take is refused
// loudly instead of reported as a state that never happened.

/** A transition the machine refuses: a bug in whoever drives it. */
export class IllegalReleaseStep extends PressroomError {
  constructor(
    readonly from: ReleaseStep,
    readonly to: string,
  ) {
    super(ErrorType.Unexpected, `a release cannot go from ${from} to ${to}`);
  }
}

/** A decision the release cannot take now (not waiting for one, or already decided). */
export class DecisionRefused extends PressroomError {
  constructor(message: string) {
    super(ErrorType.InvalidInput, message);
  }
}

const TERMINAL: ReadonlySet<ReleaseStep> = new Set(['live', 'rejected', 'abandoned', 'failed', 'rolled-back']);

/** Steps after which production has moved: a failure from here on is compensated, not just reported. */
const PAST_PROMOTION: ReadonlySet<ReleaseStep> = new Set(['purging', 'tagging', 'verifying-production']);

/** The audit actor of an automatic compensation. */
export const COMPENSATION_ACTOR = 'pressroom (automatic rollback)';

export type ReleaseMachineOptions = {
  kind: ReleaseKind;
  workflowId: string;
  requestedBy: string;
  autoApprove: boolean;
  approvalTimeoutMs: number;
  /** ISO time the run started. */
  startedAt: string;
};

type Decision = ReleaseDecision & { approved: boolean };

export class ReleaseMachine {
  private current: ReleaseStep = 'building';
  private readonly history: Array<{ step: ReleaseStep; at: string }>;
  private plan: ReleasePlan | null = null;
  private target: string | null = null;
  private checks: CheckReport | null = null;
  private deadline: string | null = null;
  private decisionTaken: Decision | null = null;
  private staging: VerifyReport | null = null;
  private purge: PurgeReport | null = null;
  private tagged: { tag: string; changelog: string } | null = null;
  private production: VerifyReport | null = null;
  private compensation: Compensation | null = null;
  private promotedFrom: string | null = null;
  private promoted = false;
  private why: string | null = null;
  private finished: string | null = null;

  constructor(private readonly options: ReleaseMachineOptions) {
    this.history = [{ step: 'building', at: options.startedAt }];
  }

  get step(): ReleaseStep {
    return this.current;
  }

  get kind(): ReleaseKind {
    return this.options.kind;
  }

  get isTerminal(): boolean {
    return TERMINAL.has(this.current);
  }

  /** Whether production has been moved by this run (and not yet moved back). */
  get productionMoved(): boolean {
    return this.promoted && this.compensation === null;
  }

  get releaseId(): string | null {
    return this.plan?.releaseId ?? null;
  }

  get decision(): Decision | null {
    return this.decisionTaken;
  }

  get checkReport(): CheckReport | null {
    return this.checks;
  }

  /** Why the run ended other than live (or why it is compensating). */
  get reason(): string | null {
    return this.why;
  }

  /** The release production served before this run moved it: where a compensation goes back to. */
  get baseRelease(): string | null {
    return this.plan?.baseRelease ?? null;
  }

  // -- transitions ---------------------------------------------------------------------------

  /** The release is built: it is checked next. */
  built(plan: ReleasePlan, at: string): void {
    if (this.kind !== 'release') throw new IllegalReleaseStep(this.current, 'checking (a rollback is not checked)');
    this.move(['building'], 'checking', at);
    this.plan = plan;
  }

  /**
   * The rollback is recorded: it goes straight to production, serving `target`'s content again. Who
   * asked for it and why stand as its decision: asking for a rollback is approving it.
   */
  rollbackPlanned(plan: ReleasePlan, target: string, request: ReleaseDecisionInput, at: string): void {
    if (this.kind !== 'rollback') throw new IllegalReleaseStep(this.current, 'promoting (a release is checked first)');
    this.move(['building'], 'promoting', at);
    this.plan = plan;
    this.target = target;
    this.decisionTaken = { by: request.by, reason: request.reason, at, approved: true };
  }

  /** The checks ran: staging when every blocking one passed, failed (with the report) otherwise. */
  checked(report: CheckReport, at: string): void {
    this.checks = report;
    // A report that says passed while a blocking check failed is not trusted: blocking means blocking.
    const blockingFailed = report.results.some((r) => !r.passed && r.severity === 'blocking');
    if (report.passed && !blockingFailed) this.move(['checking'], 'staging', at);
    else this.end(['checking'], 'failed', at, checksFailedReason(report));
  }

  staged(at: string): void {
    this.move(['staging'], 'verifying-staging', at);
  }

  /**
   * Staging answered as it should. With autoApprove and every check passed (warnings too), the
   * release approves itself and goes on to promotion; otherwise it waits for a decision until the deadline.
   */
  stagingVerified(report: VerifyReport, at: string): void {
    this.staging = report;
    if (this.autoApprovable()) {
      this.move(['verifying-staging'], 'promoting', at);
      this.decisionTaken = { by: this.options.requestedBy, reason: 'auto-approved: every check passed', at, approved: true };
      return;
    }
    this.move(['verifying-staging'], 'awaiting-approval', at);
    this.deadline = new Date(Date.parse(at) + this.options.approvalTimeoutMs).toISOString();
  }

  /** Whether a decision may be taken now; the update validators ask this before anything changes. */
  canDecide(): { ok: true } | { ok: false; reason: string } {
    if (this.decisionTaken !== null)
      return {
        ok: false,
        reason: `release ${this.describeId()} was already ${this.decisionTaken.approved ? 'approved' : 'rejected'} by ${this.decisionTaken.by}`,
      };
    if (this.current !== 'awaiting-approval')
      return { ok: false, reason: `release ${this.describeId()} is not awaiting approval: it is ${stepWords(this.current, this.kind)}` };
    return { ok: true };
  }

  /** An approval (on to promotion) or a rejection (ends the release; production untouched). */
  decide(approved: boolean, input: ReleaseDecisionInput, at: string): Decision {
    const verdict = this.canDecide();
    if (!verdict.ok) throw new DecisionRefused(verdict.reason);
    const decision: Decision = { by: input.by, reason: input.reason, at, approved };
    this.decisionTaken = decision;
    if (approved) this.move(['awaiting-approval'], 'promoting', at);
    else this.end(['awaiting-approval'], 'rejected', at, `rejected by ${input.by}: ${input.reason}`);
    return decision;
  }

  /** Nobody decided before the deadline: the release is abandoned. */
  timedOut(at: string): void {
    this.end(['awaiting-approval'], 'abandoned', at, `nobody approved or rejected it within ${durationWords(this.options.approvalTimeoutMs)}`);
  }

  /** Production points at the release now (`move.from` is where it pointed before). */
  promotedTo(move: PointerMove, at: string): void {
    this.move(['promoting'], 'purging', at);
    this.promoted = true;
    this.promotedFrom = move.from === this.releaseId ? this.baseRelease : move.from;
  }

  purged(report: PurgeReport, at: string): void {
    this.purge = report;
    this.move(['purging'], 'tagging', at);
  }

  tagDone(tag: { tag: string; changelog: string }, at: string): void {
    this.tagged = tag;
    this.move(['tagging'], 'verifying-production', at);
  }

  productionVerified(report: VerifyReport, at: string): void {
    this.production = report;
    this.end(['verifying-production'], 'live', at, null);
  }

  /** A step after promotion failed: production is to be moved back to the base release. */
  compensating(cause: string, at: string): void {
    if (!this.canCompensate()) throw new IllegalReleaseStep(this.current, 'compensating');
    this.move([...PAST_PROMOTION], 'compensating', at);
    this.why = cause;
  }

  /**
   * Production points at the base release again; `purge` is null when purging its routes failed too
   * (`purgeFailure` says why: the cache may still serve this release's pages).
   */
  compensated(purge: PurgeReport | null, at: string, purgeFailure: string | null = null): void {
    const base = this.baseRelease;
    const releaseId = this.releaseId;
    if (base === null || releaseId === null) throw new IllegalReleaseStep(this.current, 'rolled-back without a base release');
    this.compensation = { from: releaseId, to: base, purge };
    const cache = purgeFailure === null ? '' : `, but purging its routes failed (${purgeFailure}): the cache may still serve ${releaseId}'s pages`;
    this.end(['compensating'], 'rolled-back', at, `${this.why ?? 'a step after promotion failed'}; production points at ${base} again${cache}`);
  }

  /** Whether a failure now can be compensated: a release past promotion with a release to go back to. */
  canCompensate(): boolean {
    return this.kind === 'release' && PAST_PROMOTION.has(this.current) && this.baseRelease !== null;
  }

  /** Any other failure: the run ends failed with the reason. */
  fail(reason: string, at: string): void {
    this.end(ALL_RUNNING, 'failed', at, reason);
  }

  /** Cancelled before production moved: nothing was promoted, the release is given up. */
  abandon(reason: string, at: string): void {
    this.end(PRE_PROMOTION, 'abandoned', at, reason);
  }

  // -- views ---------------------------------------------------------------------------------

  /** The status the store records for this run. */
  releaseStatus(): ReleaseStatus {
    switch (this.current) {
      case 'awaiting-approval':
        return 'awaiting-approval';
      case 'live':
      case 'rejected':
      case 'abandoned':
      case 'failed':
      case 'rolled-back':
        return this.current;
      default:
        return 'running';
    }
  }

  /** What the `releaseStatus` query answers. */
  status(): ReleaseStatusView {
    return {
      kind: this.kind,
      workflowId: this.options.workflowId,
      step: this.current,
      stepText: this.detailsLine(),
      status: this.releaseStatus(),
      requestedBy: this.options.requestedBy,
      autoApprove: this.options.autoApprove,
      releaseId: this.releaseId,
      plan: this.plan,
      target: this.target,
      checks: this.checks,
      approvalDeadline: this.current === 'awaiting-approval' ? this.deadline : null,
      decision: this.decisionTaken,
      staging: this.staging,
      purge: this.purge,
      tag: this.tagged?.tag ?? null,
      changelog: this.tagged?.changelog ?? null,
      production: this.production,
      compensation: this.compensation,
      reason: this.why,
      rollbackCommand: this.undoCommand(),
      startedAt: this.options.startedAt,
      steps: this.history.map((entry) => ({ ...entry })),
      finishedAt: this.finished,
    };
  }

  /** The final report; only once the run has ended. */
  report(): ReleaseReport {
    if (!this.isTerminal || this.finished === null) throw new IllegalReleaseStep(this.current, 'a report');
    return { ...this.status(), finishedAt: this.finished };
  }

  /** The step in words, for the Web UI's current details. */
  detailsLine(): string {
    const id = this.describeId();
    const noun = this.kind === 'release' ? 'release' : 'rollback';
    const words = stepWords(this.current, this.kind);
    switch (this.current) {
      case 'building':
        return words;
      case 'awaiting-approval':
        return `${noun} ${id}: ${words} until ${this.deadline ?? '?'} (approveRelease or rejectRelease)`;
      case 'live':
        return `${noun} ${id} is live${this.tagged ? ` as ${this.tagged.tag}` : ''}${this.undoCommand() ? `; undo with \`${this.undoCommand()}\`` : ''}`;
      case 'rejected':
      case 'abandoned':
      case 'failed':
      case 'rolled-back':
        return `${noun} ${id} ${words}: ${this.why ?? 'no reason given'}`;
      default:
        return `${noun} ${id}: ${words}`;
    }
  }

  /** The Web UI's current details: a title line, the step, and what is known so far. */
  details(): string {
    const lines = [`**${this.kind === 'release' ? 'Release' : 'Rollback'} requested by ${this.options.requestedBy}**`, this.detailsLine()];
    if (this.plan) {
      const { diff } = this.plan;
      lines.push(
        `${formatCount(this.plan.articles)} articles: ${formatCount(diff.added)} added, ${formatCount(diff.updated)} updated, ${formatCount(diff.removed)} removed (base ${this.plan.baseRelease ?? 'none'})`,
      );
    }
    if (this.target) lines.push(`serves ${this.target} again`);
    if (this.checks) lines.push(checksLine(this.checks));
    if (this.decisionTaken) lines.push(`${this.decisionTaken.approved ? 'approved' : 'rejected'} by ${this.decisionTaken.by}: ${this.decisionTaken.reason}`);
    return lines.join('\n\n');
  }

  // -- internals -----------------------------------------------------------------------------

  /** The command that undoes what this run did to production, while it stays done. */
  private undoCommand(): string | null {
    if (!this.promoted || this.compensation !== null) return null;
    const back = this.promotedFrom ?? this.baseRelease;
    return back === null ? null : rollbackCommand(back);
  }

  private autoApprovable(): boolean {
    return this.options.autoApprove && this.checks !== null && this.checks.results.every((result) => result.passed);
  }

  private describeId(): string {
    return this.releaseId ?? this.options.workflowId;
  }

  private move(from: readonly ReleaseStep[], to: ReleaseStep, at: string): void {
    if (!from.includes(this.current)) throw new IllegalReleaseStep(this.current, to);
    this.current = to;
    this.history.push({ step: to, at });
  }

  private end(from: readonly ReleaseStep[], to: ReleaseStep, at: string, reason: string | null): void {
    this.move(from, to, at);
    this.why = reason;
    this.finished = at;
  }
}

const ALL_RUNNING: readonly ReleaseStep[] = RELEASE_STEPS.filter((step) => !TERMINAL.has(step));
const PRE_PROMOTION: readonly ReleaseStep[] = ['building', 'checking', 'staging', 'verifying-staging', 'awaiting-approval', 'promoting'];

/** Each step in words, present tense for running ones. */
export function stepWords(step: ReleaseStep, kind: ReleaseKind = 'release'): string {
  switch (step) {
    case 'building':
      return kind === 'release' ? 'building the release from the approved revisions' : 'recording the rollback';
    case 'checking':
      return 'running the content checks';
    case 'staging':
      return 'pointing staging at the release';
    case 'verifying-staging':
      return 'verifying staging';
    case 'awaiting-approval':
      return 'awaiting approval';
    case 'promoting':
      return kind === 'release' ? 'promoting production' : 'pointing production back';
    case 'purging':
      return "purging the cache for production's changed routes";
    case 'tagging':
      return 'tagging the release';
    case 'verifying-production':
      return 'verifying production';
    case 'compensating':
      return 'rolling production back after a failure';
    case 'live':
      return 'is live';
    case 'rejected':
      return 'was rejected';
    case 'abandoned':
      return 'was abandoned';
    case 'failed':
      return 'failed';
    case 'rolled-back':
      return 'was rolled back';
  }
}

/** `checks: 5 passed, 1 blocking failed (title-length: 3 articles), 1 warning`. */
export function checksLine(report: CheckReport): string {
  const passed = report.results.filter((r) => r.passed).length;
  const failed = report.results.filter((r) => !r.passed);
  const parts = [`${passed} passed`];
  const blocking = failed.filter((r) => r.severity === 'blocking');
  const warnings = failed.filter((r) => r.severity === 'warning');
  if (blocking.length) parts.push(`${blocking.length} blocking failed (${blocking.map((r) => `${r.check}: ${formatCount(r.failures)} articles`).join(', ')})`);
  if (warnings.length) parts.push(`${warnings.length} warning${warnings.length === 1 ? '' : 's'} (${warnings.map((r) => r.check).join(', ')})`);
  return `checks: ${parts.join(', ')}`;
}

function checksFailedReason(report: CheckReport): string {
  const blocking = report.results.filter((r) => !r.passed && r.severity === 'blocking');
  if (blocking.length === 0) return 'the content checks failed';
  return `blocking checks failed: ${blocking.map((r) => `${r.check} (${formatCount(r.failures)} articles${r.examples[0] ? `, e.g. ${r.examples[0].sourceId}: ${r.examples[0].message}` : ''})`).join('; ')}`;
}

/** `24 hours`, `90 minutes`, `3 days`: the largest unit that divides evenly (days from two on). */
export function durationWords(ms: number): string {
  const units: Array<[number, string]> = [
    [2 * 86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, name] of units) {
    const unit = name === 'day' ? 86_400_000 : size;
    if (ms >= size && ms % unit === 0) return `${ms / unit} ${name}${ms / unit === 1 ? '' : 's'}`;
  }
  return `${ms} ms`;
}
