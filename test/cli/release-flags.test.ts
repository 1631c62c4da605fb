// The release commands' flags, usage errors and report text, without Temporal or a worker: every
// usage error is exit 2 and one line naming the flag; the report names what the operator needs.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState, TerminatedFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { releaseOutcomeOf, type ReleaseOutcome } from '../../src/client/release.js';
import { approvalHelp, followRelease } from '../../src/cli/release.js';
import { approvalTimeout } from '../../src/cli/release-args.js';
import { describeReleaseView, shellQuote, stepTimings } from '../../src/cli/releases.js';
import type { ReleaseReport, ReleaseStatusView } from '../../src/domain/release/input.js';
import { runCli, type CliRun } from './capture.js';

const offline = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', PRESSROOM_API_URL: 'http://127.0.0.1:1' };

function expectUsageError(run: CliRun, message: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

describe('help', () => {
  it.each([['release'], ['release', 'approve'], ['release', 'reject'], ['release', 'show'], ['release', 'status'], ['releases'], ['rollback']])(
    '%s --help exits 0 with generated usage',
    async (...words) => {
      const run = await runCli([...words, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: pressroom ${words.join(' ')}`);
    },
  );

  it('release --help says how a second start behaves and what the exit statuses mean', async () => {
    const help = (await runCli(['release', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('starting the same release twice attaches to the running one; another release while one runs is refused');
    expect(help).toContain('Exit status: 0 started (or live, with --wait), 1 nothing to release');
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['release', '--bogus'], /^pressroom release: unknown option '--bogus'/],
    [
      ['release', '--approval-timeout', '10s'],
      /^pressroom release: --approval-timeout expects a duration such as 90m, 24h or 3d .* from 1 minute to 30 days, got "10s"/,
    ],
    [['release', '--approval-timeout', '31d'], /^pressroom release: --approval-timeout expects a duration/],
    [['release', '--approval-timeout', '5'], /^pressroom release: --approval-timeout expects a duration/],
    [['release', '--by', ' '], /^pressroom release: --by expects a name, got an empty string/],
    [['release', '--only', 'Not An Id'], /^pressroom release: invalid release request \(only\.0: expected a source id/],
    [['release', 'approve', 'rel-0123456789abcdef', '--reason', 'ok'], /^pressroom release approve: required option '--by <name>' not specified/],
    [['release', 'approve', 'rel-0123456789abcdef', '--by', 'ed'], /^pressroom release approve: required option '--reason <text>' not specified/],
    [['release', 'reject', 'rel-0123456789abcdef', '--by', 'ed', '--reason', ''], /^pressroom release reject: --reason expects a reason, got an empty string/],
    [['release', 'approve', 'a b', '--by', 'ed', '--reason', 'x'], /^pressroom release approve: RELEASE expects a release id such as rel-0123456789abcdef/],
    [['release', 'approve', '--by', 'ed', '--reason', 'ok'], /^pressroom release approve: missing required argument 'release'/],
    [['release', 'show', 'rel/1'], /^pressroom release show: RELEASE expects a release id/],
    [['release', 'show', 'rel-1', '--limit', '0'], /^pressroom release show: --limit expects a whole number from 1 to 1000, got "0"/],
    [['releases', '--kind', 'hotfix'], /^pressroom releases: option '--kind <kind>' argument 'hotfix' is invalid/],
    [['releases', '--limit', '201'], /^pressroom releases: --limit expects a whole number from 1 to 200/],
    [['rollback', '--reason', '  '], /^pressroom rollback: --reason expects a reason, got an empty string/],
    [['rollback', 'x y', '--reason', 'bad'], /^pressroom rollback: RELEASE expects a release id/],
    [['rollback', 'a', 'b', '--reason', 'bad'], /^pressroom rollback: too many arguments/],
  ])('%j', async (argv, message) => {
    expectUsageError(await runCli(argv, offline), message);
  });

  it('a well-formed release reaches the worker: exit 1 naming the API, not a usage error', async () => {
    const run = await runCli(['release', '--only', 'alphanode-000001', '--approval-timeout', '2h'], offline);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^pressroom release: cannot reach the worker's HTTP API at http:\/\/127\.0\.0\.1:1/);
  });
});

describe('--approval-timeout', () => {
  it('takes a whole number of s, m, h or d', () => {
    const parse = approvalTimeout('approval-timeout');
    expect(parse('90m')).toBe(90 * 60_000);
    expect(parse('24h')).toBe(86_400_000);
    expect(parse('3d')).toBe(3 * 86_400_000);
    expect(parse('60s')).toBe(60_000);
  });
});

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1_000).toISOString();

function liveReport(): ReleaseReport {
  return {
    kind: 'release',
    workflowId: 'release-rel-00000000000000bb',
    step: 'live',
    stepText: 'release rel-00000000000000bb is live as 2026.03.01-2; undo with `pressroom rollback rel-00000000000000aa`',
    status: 'live',
    requestedBy: 'ana',
    autoApprove: false,
    releaseId: 'rel-00000000000000bb',
    plan: {
      releaseId: 'rel-00000000000000bb',
      manifestHash: 'h',
      baseRelease: 'rel-00000000000000aa',
      articles: 1_200,
      diff: { added: 2, updated: 3, removed: 1, sample: { added: [], updated: [], removed: [] } },
    },
    target: null,
    checks: {
      passed: true,
      results: [
        { check: 'required-fields', severity: 'blocking', passed: true, failures: 0, examples: [] },
        {
          check: 'image-alt-text',
          severity: 'warning',
          passed: false,
          failures: 4,
          examples: [{ sourceId: 'alphanode-000007', message: 'an image has no caption' }],
        },
      ],
    },
    approvalDeadline: null,
    decision: { by: 'bo', reason: 'reviewed the diff', at: at(30), approved: true },
    staging: { environment: 'staging', checked: 6, timings: { requests: 12, p50: 3, p95: 9, max: 11 } },
    purge: { keys: 8, urls: 0, requests: 1, skipped: false },
    tag: '2026.03.01-2',
    changelog: Array.from({ length: 15 }, (_, i) => `line ${i + 1}`).join('\n'),
    production: { environment: 'production', checked: 6, timings: { requests: 12, p50: 4, p95: 8, max: 10 } },
    compensation: null,
    reason: null,
    rollbackCommand: 'pressroom rollback rel-00000000000000aa',
    startedAt: at(0),
    steps: [
      { step: 'building', at: at(0) },
      { step: 'checking', at: at(1) },
      { step: 'staging', at: at(2) },
      { step: 'verifying-staging', at: at(3) },
      { step: 'awaiting-approval', at: at(4) },
      { step: 'promoting', at: at(30) },
      { step: 'purging', at: at(31) },
      { step: 'tagging', at: at(32) },
      { step: 'verifying-production', at: at(33) },
      { step: 'live', at: at(35) },
    ],
    finishedAt: at(35),
  };
}

describe('the release report', () => {
  it('shows the diff, each check with its severity, the decision, timings, the changelog head and the exact rollback command', () => {
    const text = describeReleaseView(liveReport()).join('\n');
    expect(text).toContain('1,200 article(s): 2 added, 3 updated, 1 removed (against rel-00000000000000aa)');
    expect(text).toContain('ok    required-fields (blocking)');
    expect(text).toContain('warn  image-alt-text (warning): 4 article(s), e.g. alphanode-000007: an image has no caption');
    expect(text).toContain('approved by bo: reviewed the diff');
    expect(text).toContain('staging verified: 6 route(s), 12 request(s), p50 3 ms, p95 9 ms, max 11 ms');
    expect(text).toContain('purge: 8 key(s), 0 URL(s) in 1 request(s)');
    expect(text).toContain('tag 2026.03.01-2');
    expect(text).toContain('timings: building 1.0 s, checking 1.0 s, staging 1.0 s, verifying-staging 1.0 s, awaiting-approval 26.0 s');
    expect(text).toContain('total 35.0 s');
    expect(text).toContain('    line 12\n    … 3 more line(s): pressroom release show rel-00000000000000bb');
    expect(text).not.toContain('line 13');
    expect(text).toMatch(/undo: pressroom rollback rel-00000000000000aa --reason 'undo rel-00000000000000bb'$/);
  });

  it('says when purging was skipped for want of a cache, and shows no undo when production did not move', () => {
    const report = { ...liveReport(), purge: { keys: 0, urls: 0, requests: 0, skipped: true }, rollbackCommand: null };
    const text = describeReleaseView(report).join('\n');
    expect(text).toContain('purge: skipped (no cache configured: CACHE_PURGE_URL is unset)');
    expect(text).not.toContain('undo:');
  });

  it('times a running release up to now', () => {
    const view = { kind: 'release' as const, steps: [{ step: 'building' as const, at: at(0) }], finishedAt: null };
    expect(stepTimings(view, T0 + 2_500)).toBe('building 2.5 s; total 2.5 s');
  });

  it('quotes a reason so the printed command runs as shown', () => {
    expect(shellQuote('plain')).toBe('plain');
    expect(shellQuote("it's broken")).toBe(`'it'\\''s broken'`);
  });
});

describe('a failed run', () => {
  it('carries its report in the ApplicationFailure details; a terminated one carries none', () => {
    const report = { ...liveReport(), step: 'rejected' as const, status: 'rejected' as const, reason: 'not yet', rollbackCommand: null };
    const failure = ApplicationFailure.create({ type: 'ApprovalRejected', message: 'release rel-00000000000000bb was rejected: not yet', details: [report] });
    expect(releaseOutcomeOf(new WorkflowFailedError('failed', failure, RetryState.NON_RETRYABLE_FAILURE))).toEqual({
      kind: 'ended',
      status: 'failed',
      type: 'ApprovalRejected',
      message: 'release rel-00000000000000bb was rejected: not yet',
      report,
    });
    expect(releaseOutcomeOf(new WorkflowFailedError('gone', new TerminatedFailure('by hand'), RetryState.NON_RETRYABLE_FAILURE))).toMatchObject({
      status: 'terminated',
      report: null,
    });
    expect(() => releaseOutcomeOf(new Error('other'))).toThrow('other');
  });
});

describe('following a release', () => {
  it('prints each step once, the approval instructions while it waits, and returns the outcome', async () => {
    const views: Array<Partial<ReleaseStatusView>> = [
      { step: 'checking', stepText: 'release rel-1: running the content checks' },
      { step: 'checking', stepText: 'release rel-1: running the content checks' },
      { step: 'awaiting-approval', stepText: 'release rel-1: awaiting approval', releaseId: 'rel-1', approvalDeadline: '2026-03-02T10:00:00.000Z' },
      { step: 'awaiting-approval', stepText: 'release rel-1: awaiting approval', releaseId: 'rel-1', approvalDeadline: '2026-03-02T10:00:00.000Z' },
      { step: 'promoting', stepText: 'release rel-1: promoting production' },
    ];
    let polled = 0;
    let finish: (outcome: ReleaseOutcome) => void = () => undefined;
    const result = new Promise<ReleaseOutcome>((resolve) => (finish = resolve));
    const notes: string[] = [];
    const outcome = await followRelease(
      {
        workflowId: 'release-rel-1',
        address: 'x:1',
        result: () => result,
        status: async () => {
          const view = views[Math.min(polled++, views.length - 1)] as ReleaseStatusView;
          // The run ends after the last step was seen.
          if (polled > views.length) finish({ kind: 'live', report: liveReport() });
          return view;
        },
        reconnect: async () => undefined,
        sleep: async () => undefined,
        now: () => T0,
      },
      { note: (text) => notes.push(text) },
    );
    expect(outcome.kind).toBe('live');
    expect(notes.filter((n) => n.includes('running the content checks'))).toHaveLength(1);
    expect(notes.filter((n) => n.includes('pressroom release approve rel-1 --by NAME --reason TEXT'))).toHaveLength(1);
    expect(notes.some((n) => n.includes('promoting production'))).toBe(true);
  });

  it('names both decisions in the approval instructions', () => {
    expect(approvalHelp({ releaseId: 'rel-9', workflowId: 'release-rel-9', approvalDeadline: null }).slice(1)).toEqual([
      '  pressroom release approve rel-9 --by NAME --reason TEXT',
      '  pressroom release reject rel-9 --by NAME --reason TEXT',
    ]);
  });
});
