import { describe, expect, it } from 'vitest';
import { ErrorType, PressroomError } from '../../src/domain/errors.js';
import { ReleaseDecisionInput, ReleaseWorkflowInput, RollbackWorkflowInput } from '../../src/domain/release/input.js';
import { DecisionRefused, IllegalReleaseStep, ReleaseMachine, checksLine, durationWords } from '../../src/domain/release/machine.js';
import type { CheckReport, ReleasePlan, VerifyReport } from '../../src/domain/release/model.js';

const T0 = '2025-03-01T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const plan = (overrides: Partial<ReleasePlan> = {}): ReleasePlan => ({
  releaseId: 'rel-new',
  manifestHash: 'abc',
  baseRelease: 'rel-old',
  articles: 1200,
  diff: { added: 2, updated: 1, removed: 0, sample: { added: ['a1', 'a2'], updated: ['u1'], removed: [] } },
  ...overrides,
});

const passing: CheckReport = {
  passed: true,
  results: [
    { check: 'title', severity: 'blocking', passed: true, failures: 0, examples: [] },
    { check: 'links', severity: 'warning', passed: true, failures: 0, examples: [] },
  ],
};
const withWarning: CheckReport = {
  passed: true,
  results: [
    { check: 'title', severity: 'blocking', passed: true, failures: 0, examples: [] },
    { check: 'links', severity: 'warning', passed: false, failures: 4, examples: [{ sourceId: 'a1', message: 'dead link' }] },
  ],
};
const blockingFailed: CheckReport = {
  passed: false,
  results: [{ check: 'title', severity: 'blocking', passed: false, failures: 3, examples: [{ sourceId: 'a2', message: 'empty title' }] }],
};
const verified = (environment: 'staging' | 'production'): VerifyReport => ({ environment, checked: 3, timings: { requests: 3, p50: 12, p95: 30, max: 31 } });

function machine(options: { autoApprove?: boolean; kind?: 'release' | 'rollback' } = {}) {
  return new ReleaseMachine({
    kind: options.kind ?? 'release',
    workflowId: 'release-approved',
    requestedBy: 'ed',
    autoApprove: options.autoApprove ?? false,
    approvalTimeoutMs: 24 * 3_600_000,
    startedAt: T0,
  });
}

/** A release driven to awaiting approval. */
function awaiting(checks: CheckReport = passing, options: { autoApprove?: boolean } = {}) {
  const m = machine(options);
  m.built(plan(), at(1));
  m.checked(checks, at(2));
  m.staged(at(3));
  m.stagingVerified(verified('staging'), at(4));
  return m;
}

function approvedAndPromoted() {
  const m = awaiting();
  m.decide(true, { by: 'lead', reason: 'looks right' }, at(5));
  m.promotedTo({ environment: 'production', from: 'rel-old', to: 'rel-new' }, at(6));
  return m;
}

describe('ReleaseMachine', () => {
  it('walks a release from building to live, keeping each step, the plan, checks, decision, tag and timings', () => {
    const m = approvedAndPromoted();
    m.purged({ keys: 5, urls: 0, requests: 1, skipped: false }, at(7));
    m.tagDone({ tag: '2025.03.01-1', changelog: '2 added, 1 updated' }, at(8));
    m.productionVerified(verified('production'), at(9));
    expect(m.step).toBe('live');
    const report = m.report();
    expect(report.steps.map((s) => s.step)).toEqual([
      'building',
      'checking',
      'staging',
      'verifying-staging',
      'awaiting-approval',
      'promoting',
      'purging',
      'tagging',
      'verifying-production',
      'live',
    ]);
    expect(report).toMatchObject({
      status: 'live',
      releaseId: 'rel-new',
      plan: { diff: { added: 2, updated: 1 } },
      checks: passing,
      decision: { by: 'lead', reason: 'looks right', approved: true, at: at(5) },
      tag: '2025.03.01-1',
      staging: { timings: { p95: 30 } },
      production: { environment: 'production' },
      rollbackCommand: 'pressroom rollback rel-old',
      finishedAt: at(9),
      reason: null,
    });
    expect(m.detailsLine()).toBe('release rel-new is live as 2025.03.01-1; undo with `pressroom rollback rel-old`');
  });

  it('ends failed on a blocking check, with the check, the count and an example in the reason', () => {
    const m = machine();
    m.built(plan(), at(1));
    m.checked(blockingFailed, at(2));
    expect(m.step).toBe('failed');
    expect(m.reason).toBe('blocking checks failed: title (3 articles, e.g. a2: empty title)');
    expect(m.report().rollbackCommand).toBeNull();
    expect(() => m.staged(at(3))).toThrow(IllegalReleaseStep);
  });

  it('does not trust a report that says passed while a blocking check failed', () => {
    const m = machine();
    m.built(plan(), at(1));
    m.checked({ ...blockingFailed, passed: true }, at(2));
    expect(m.step).toBe('failed');
  });

  it('waits for approval until the deadline, and accepts exactly one decision then', () => {
    const m = awaiting();
    expect(m.step).toBe('awaiting-approval');
    expect(m.status().approvalDeadline).toBe(new Date(Date.parse(at(4)) + 24 * 3_600_000).toISOString());
    expect(m.releaseStatus()).toBe('awaiting-approval');
    expect(m.canDecide()).toEqual({ ok: true });
    m.decide(false, { by: 'lead', reason: 'typo in the headline' }, at(5));
    expect(m.step).toBe('rejected');
    expect(m.reason).toBe('rejected by lead: typo in the headline');
    const again = m.canDecide();
    expect(again.ok).toBe(false);
    expect(!again.ok && again.reason).toBe('release rel-new was already rejected by lead');
    expect(() => m.decide(true, { by: 'x', reason: 'y' }, at(6))).toThrow(DecisionRefused);
  });

  it('refuses a decision before the release awaits one, naming the step', () => {
    const m = machine();
    m.built(plan(), at(1));
    const verdict = m.canDecide();
    expect(verdict).toEqual({ ok: false, reason: 'release rel-new is not awaiting approval: it is running the content checks' });
    const error = (() => {
      try {
        m.decide(true, { by: 'a', reason: 'b' }, at(2));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PressroomError);
    expect((error as PressroomError).type).toBe(ErrorType.InvalidInput);
    expect(m.step).toBe('checking');
  });

  it('is abandoned when nobody decides in time, saying how long it waited', () => {
    const m = awaiting();
    m.timedOut(at(24 * 60 + 4));
    expect(m.step).toBe('abandoned');
    expect(m.reason).toBe('nobody approved or rejected it within 24 hours');
    expect(m.canDecide().ok).toBe(false);
  });

  it('auto-approves only when every check passed, warnings included', () => {
    const clean = awaiting(passing, { autoApprove: true });
    expect(clean.step).toBe('promoting');
    expect(clean.decision).toMatchObject({ by: 'ed', approved: true, reason: 'auto-approved: every check passed' });
    const warned = awaiting(withWarning, { autoApprove: true });
    expect(warned.step).toBe('awaiting-approval');
    expect(warned.decision).toBeNull();
  });

  it('compensates a failure after promotion back to the base release', () => {
    const m = approvedAndPromoted();
    m.purged({ keys: 5, urls: 0, requests: 1, skipped: false }, at(7));
    m.tagDone({ tag: '2025.03.01-1', changelog: '' }, at(8));
    expect(m.canCompensate()).toBe(true);
    m.compensating('verifying production failed: /articles/a1 answered 500', at(9));
    expect(m.releaseStatus()).toBe('running');
    m.compensated({ keys: 5, urls: 0, requests: 1, skipped: false }, at(10));
    expect(m.step).toBe('rolled-back');
    expect(m.productionMoved).toBe(false);
    expect(m.report()).toMatchObject({
      status: 'rolled-back',
      compensation: { from: 'rel-new', to: 'rel-old' },
      rollbackCommand: null,
      reason: 'verifying production failed: /articles/a1 answered 500; production points at rel-old again',
    });
  });

  it('cannot compensate before promotion, nor a first release (nothing to go back to)', () => {
    const before = awaiting();
    expect(before.canCompensate()).toBe(false);
    expect(() => before.compensating('x', at(5))).toThrow(IllegalReleaseStep);

    const first = machine();
    first.built(plan({ baseRelease: null }), at(1));
    first.checked(passing, at(2));
    first.staged(at(3));
    first.stagingVerified(verified('staging'), at(4));
    first.decide(true, { by: 'lead', reason: 'ok' }, at(5));
    first.promotedTo({ environment: 'production', from: null, to: 'rel-new' }, at(6));
    expect(first.canCompensate()).toBe(false);
    first.fail('purging failed', at(7));
    expect(first.productionMoved).toBe(true);
    expect(first.report().rollbackCommand).toBeNull();
  });

  it('abandons on cancel only before production moved', () => {
    const m = awaiting();
    m.abandon('cancelled', at(5));
    expect(m.step).toBe('abandoned');
    const late = approvedAndPromoted();
    expect(() => late.abandon('cancelled', at(7))).toThrow(IllegalReleaseStep);
  });

  it('refuses steps out of order', () => {
    const m = machine();
    expect(() => m.checked(passing, at(1))).toThrow(/a release cannot go from building to staging/);
    expect(() => m.promotedTo({ environment: 'production', from: null, to: 'x' }, at(1))).toThrow(IllegalReleaseStep);
    expect(() => m.report()).toThrow(IllegalReleaseStep);
    expect(() => m.rollbackPlanned(plan(), 'rel-1', { by: 'a', reason: 'b' }, at(1))).toThrow(IllegalReleaseStep);
    m.built(plan(), at(1));
    expect(() => m.built(plan(), at(2))).toThrow(IllegalReleaseStep);
  });

  it('keeps the base release when a retried promotion reports the pointer already moved', () => {
    const m = awaiting();
    m.decide(true, { by: 'lead', reason: 'ok' }, at(5));
    m.promotedTo({ environment: 'production', from: 'rel-new', to: 'rel-new' }, at(6));
    expect(m.status().rollbackCommand).toBe('pressroom rollback rel-old');
  });

  it('runs a rollback straight to production and prints the command that undoes it', () => {
    const m = machine({ kind: 'rollback' });
    expect(() => m.built(plan(), at(1))).toThrow(IllegalReleaseStep);
    m.rollbackPlanned(plan({ releaseId: 'rel-rb', baseRelease: 'rel-bad' }), 'rel-good', { by: 'ops', reason: 'broken pages' }, at(1));
    expect(m.step).toBe('promoting');
    expect(m.canDecide().ok).toBe(false);
    m.promotedTo({ environment: 'production', from: 'rel-bad', to: 'rel-rb' }, at(2));
    expect(m.canCompensate()).toBe(false);
    m.purged({ keys: 1, urls: 0, requests: 1, skipped: false }, at(3));
    m.tagDone({ tag: '2025.03.01-2', changelog: '' }, at(4));
    m.productionVerified(verified('production'), at(5));
    expect(m.report()).toMatchObject({ kind: 'rollback', status: 'live', target: 'rel-good', decision: { by: 'ops', reason: 'broken pages' } });
    expect(m.report().rollbackCommand).toBe('pressroom rollback rel-bad');
    expect(m.detailsLine()).toBe('rollback rel-rb is live as 2025.03.01-2; undo with `pressroom rollback rel-bad`');
  });

  it('describes each step in words for the Web UI', () => {
    const m = machine();
    expect(m.detailsLine()).toBe('building the release from the approved revisions');
    m.built(plan(), at(1));
    expect(m.detailsLine()).toBe('release rel-new: running the content checks');
    m.checked(withWarning, at(2));
    m.staged(at(3));
    m.stagingVerified(verified('staging'), at(4));
    expect(m.detailsLine()).toMatch(/^release rel-new: awaiting approval until 2025-03-02T10:04:00.000Z/);
    expect(m.details()).toContain('1,200 articles: 2 added, 1 updated, 0 removed (base rel-old)');
    expect(m.details()).toContain('checks: 1 passed, 1 warning (links)');
  });
});

describe('release inputs', () => {
  it('accepts a complete release input and refuses a missing field, naming it (no defaults)', () => {
    expect(ReleaseWorkflowInput.parse({ requestedBy: 'ed', only: null, autoApprove: false, approvalTimeoutMs: 86_400_000 })).toEqual({
      requestedBy: 'ed',
      only: null,
      autoApprove: false,
      approvalTimeoutMs: 86_400_000,
    });
    const missing = ReleaseWorkflowInput.safeParse({ requestedBy: 'ed', only: null });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['approvalTimeoutMs', 'autoApprove']);
  });

  it('bounds the approval timeout and the explicit list', () => {
    const base = { requestedBy: 'ed', only: null, autoApprove: false };
    expect(ReleaseWorkflowInput.safeParse({ ...base, approvalTimeoutMs: 1_000 }).success).toBe(false);
    expect(ReleaseWorkflowInput.safeParse({ ...base, approvalTimeoutMs: 31 * 86_400_000 }).success).toBe(false);
    expect(ReleaseWorkflowInput.safeParse({ ...base, approvalTimeoutMs: 60_000, only: [] }).success).toBe(false);
    expect(ReleaseWorkflowInput.safeParse({ ...base, approvalTimeoutMs: 60_000, only: ['abc', 'abc'] }).success).toBe(false);
    expect(ReleaseWorkflowInput.safeParse({ ...base, approvalTimeoutMs: 60_000, only: ['Bad Id'] }).success).toBe(false);
    expect(ReleaseWorkflowInput.safeParse({ ...base, approvalTimeoutMs: 60_000, only: ['abc', 'def'] }).success).toBe(true);
  });

  it('refuses a blank decider or reason, and unknown fields', () => {
    expect(ReleaseDecisionInput.safeParse({ by: '  ', reason: 'ok' }).success).toBe(false);
    expect(ReleaseDecisionInput.safeParse({ by: 'lead', reason: '' }).success).toBe(false);
    expect(ReleaseDecisionInput.safeParse({ by: 'lead', reason: 'ok', extra: 1 }).success).toBe(false);
    expect(ReleaseDecisionInput.parse({ by: ' lead ', reason: 'ok' })).toEqual({ by: 'lead', reason: 'ok' });
  });

  it('takes a rollback target or null, and requires a reason', () => {
    expect(RollbackWorkflowInput.parse({ requestedBy: 'ops', target: null, reason: 'broken' }).target).toBeNull();
    expect(RollbackWorkflowInput.safeParse({ requestedBy: 'ops', target: 'has space', reason: 'x' }).success).toBe(false);
    expect(RollbackWorkflowInput.safeParse({ requestedBy: 'ops', target: 'rel-1' }).success).toBe(false);
  });

  it('words durations and check summaries', () => {
    expect(durationWords(86_400_000)).toBe('24 hours');
    expect(durationWords(3 * 86_400_000)).toBe('3 days');
    expect(durationWords(90 * 60_000)).toBe('90 minutes');
    expect(checksLine(blockingFailed)).toBe('checks: 0 passed, 1 blocking failed (title: 3 articles)');
  });
});
