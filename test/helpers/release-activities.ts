import { ApplicationFailure } from '@temporalio/activity';
import type { ReleaseActivities } from '../../src/activities/release-types.js';
import type { SearchActivities } from '../../src/activities/search-types.js';
import type { Client } from '@temporalio/client';
import { WorkflowIds } from '../../src/domain/names.js';
import type { CheckReport, Environment, ReleasePlan } from '../../src/domain/release/model.js';

// Mocked release activities for the time-skipping tests: two environment pointers held in memory,
// every call recorded with its input, and failures injected per step.

export type Call = { name: keyof ReleaseActivities; input: Record<string, unknown> };

export const PASSING: CheckReport = {
  passed: true,
  results: [
    { check: 'title', severity: 'blocking', passed: true, failures: 0, examples: [] },
    { check: 'links', severity: 'warning', passed: true, failures: 0, examples: [] },
  ],
};

export const WARNING: CheckReport = {
  passed: true,
  results: [
    { check: 'title', severity: 'blocking', passed: true, failures: 0, examples: [] },
    { check: 'links', severity: 'warning', passed: false, failures: 2, examples: [{ sourceId: 'a1', message: 'dead link' }] },
  ],
};

export const BLOCKING: CheckReport = {
  passed: false,
  results: [
    { check: 'title', severity: 'blocking', passed: false, failures: 3, examples: [{ sourceId: 'a2', message: 'empty title' }] },
    { check: 'links', severity: 'warning', passed: true, failures: 0, examples: [] },
  ],
};

export function releasePlan(overrides: Partial<ReleasePlan> = {}): ReleasePlan {
  return {
    releaseId: 'rel-new',
    manifestHash: 'f00d',
    baseRelease: 'rel-old',
    articles: 3,
    diff: { added: 1, updated: 1, removed: 0, sample: { added: ['a1'], updated: ['a2'], removed: [] } },
    ...overrides,
  };
}

export type MockOptions = {
  plan?: ReleasePlan;
  checks?: CheckReport;
  /** Resolves when runChecks may answer (to hold a release before its approval wait). */
  checksGate?: Promise<void>;
  /** How many times each environment's verification fails (Infinity: always). */
  verifyFailures?: Partial<Record<Environment, number>>;
  purgeFailures?: Partial<Record<Environment, number>>;
  lockHeldBy?: string;
  rollback?: { releaseId: string; target: string } | 'not-found';
};

export function mockReleaseActivities(options: MockOptions = {}) {
  const calls: Call[] = [];
  const plan = options.plan ?? releasePlan();
  const pointers: Record<Environment, string | null> = { staging: null, production: plan.baseRelease };
  const failuresLeft = { verify: { ...options.verifyFailures }, purge: { ...options.purgeFailures } };
  const record = (name: keyof ReleaseActivities, input: object) => calls.push({ name, input: { ...input } });

  const activities: ReleaseActivities = {
    async acquireReleaseLock(input) {
      record('acquireReleaseLock', input);
      if (options.lockHeldBy && options.lockHeldBy !== input.workflowId)
        throw ApplicationFailure.nonRetryable(`another release holds the lock: ${options.lockHeldBy}`, 'ReleaseInProgress');
    },
    async releaseReleaseLock(input) {
      record('releaseReleaseLock', input);
    },
    async buildRelease(input) {
      record('buildRelease', input);
      return plan;
    },
    async planRollback(input) {
      record('planRollback', input);
      if (options.rollback === 'not-found') throw ApplicationFailure.nonRetryable(`no release ${input.target ?? 'before the current one'}`, 'ReleaseNotFound');
      const rb = options.rollback ?? { releaseId: 'rel-rb', target: 'rel-good' };
      return { ...plan, releaseId: rb.releaseId, baseRelease: pointers.production, target: rb.target };
    },
    async runChecks(input) {
      record('runChecks', input);
      await options.checksGate;
      return options.checks ?? PASSING;
    },
    async pointEnvironment(input) {
      record('pointEnvironment', input);
      const from = pointers[input.environment];
      pointers[input.environment] = input.releaseId;
      return { environment: input.environment, from, to: input.releaseId };
    },
    async purgeRoutes(input) {
      record('purgeRoutes', input);
      const left = failuresLeft.purge[input.environment] ?? 0;
      if (left > 0) {
        failuresLeft.purge[input.environment] = left - 1;
        throw ApplicationFailure.retryable('the cache answered 503', 'PurgeFailed');
      }
      return { keys: 4, urls: 0, requests: 1, skipped: false };
    },
    async verifyEnvironment(input) {
      record('verifyEnvironment', input);
      const left = failuresLeft.verify[input.environment] ?? 0;
      if (left > 0) {
        failuresLeft.verify[input.environment] = left - 1;
        throw ApplicationFailure.retryable(`/${input.environment}/articles/a1 answered 500`, 'VerificationFailed');
      }
      return { environment: input.environment, checked: 2, timings: { requests: 2, p50: 10, p95: 20, max: 21 } };
    },
    async tagRelease(input) {
      record('tagRelease', input);
      return { tag: '2025.03.01-1', changelog: '1 added, 1 updated' };
    },
    async recordReleaseOutcome(input) {
      record('recordReleaseOutcome', input);
    },
  };

  // The incremental reindex a promotion starts as a child runs on the same worker: it finds these.
  const refreshes: unknown[] = [];
  const search: Pick<SearchActivities, 'applyIncremental' | 'purgeSimilarPosts'> = {
    async applyIncremental(input) {
      refreshes.push(input);
      const watermark = { releaseId: pointers.production, auditId: 1 };
      return { generation: 1, upserted: 2, removed: 0, similar: 2, watermark, before: watermark };
    },
    async purgeSimilarPosts() {},
  };

  const named = (name: keyof ReleaseActivities) => calls.filter((c) => c.name === name).map((c) => c.input);
  return { activities: { ...activities, ...search }, calls, pointers, named, refreshes };
}

/**
 * Waits for the incremental reindex a promotion started as a child of `parentWorkflowId`, if it did.
 * Call it while the test's worker still runs: a child left waiting for a worker that is gone holds the
 * time-skipping server's clock, and every later test that needs time to pass hangs.
 */
export async function settleSearchRefresh(client: Client, parentWorkflowId: string, releaseId: string): Promise<void> {
  const child = client.workflow.getHandle(WorkflowIds.reindexIncremental(releaseId));
  const described = await child.describe().catch(() => undefined);
  if (described?.parentExecution?.workflowId === parentWorkflowId && described.status.name === 'RUNNING') await child.result().catch(() => undefined);
}
