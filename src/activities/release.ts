import { Context, log } from '@temporalio/activity';
import { renderChangelog, CHANGELOG_LIST_LIMIT } from '../domain/release/changelog.js';
import { ErrorType, PressroomError } from '../domain/errors.js';
import type { CheckReport, Environment, ReleaseDecision, ReleaseStatus } from '../domain/release/model.js';
import { buildRelease, planRollback } from '../release/build.js';
import { runReleaseChecks } from '../release/checks.js';
import type { CachePurger } from '../release/purger.js';
import { routesBetween } from '../release/routes.js';
import { VerificationFailedError, verifyRoutes } from '../release/verify.js';
import type { Store } from '../store/index.js';
import { ReleaseInProgressError } from '../domain/release/errors.js';
import { holderRunningInTemporal, mapped } from './failures.js';
import type { ReleaseActivities } from './release-types.js';

// The release's activities: the work of releaseWorkflow and rollbackWorkflow against the store, the
// cache and the site, each mapping its errors to the vocabulary (src/activities/failures.ts). The
// work itself lives in src/release, free of Temporal.

export type ReleaseActivityDeps = {
  store: Pick<Store, 'releases' | 'search'>;
  purger: CachePurger;
  /**
   * Where the site is served (SITE_URL, the cache's public URL; else the worker's own HTTP API):
   * verification fetches it. A function when it is known only later (the worker's port, once it listens).
   */
  siteUrl: string | (() => string | undefined);
  /** Verification requests in flight at once. */
  verifyConcurrency?: number;
  /**
   * Whether a lock holder's workflow still runs. A holder terminated or timed out through Temporal never
   * gives the lock back; asked only when the lock is held, so a dead holder does not block releases forever.
   * Default: the worker's Temporal client (the activity context's).
   */
  holderRunning?: (workflowId: string) => Promise<boolean>;
};

/** Heartbeats when running as an activity; a plain call (a test, the benchmark) has no context. */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}

function info(message: string, meta: Record<string, unknown>): void {
  try {
    log.info(message, meta);
  } catch {
    // not inside an activity
  }
}

function warn(message: string, meta: Record<string, unknown>): void {
  try {
    log.warn(message, meta);
  } catch {
    // not inside an activity
  }
}

function cancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

export function createReleaseActivities(deps: ReleaseActivityDeps) {
  const { store, purger } = deps;

  return {
    acquireReleaseLock: (input: { workflowId: string }) =>
      mapped(`taking the release lock for ${input.workflowId}`, async () => {
        try {
          await store.releases.acquireLock(input.workflowId);
        } catch (error) {
          if (!(error instanceof ReleaseInProgressError) || error.holder === input.workflowId) throw error;
          if (await (deps.holderRunning ?? holderRunningInTemporal)(error.holder)) throw error;
          // Its workflow ended without giving the lock back (terminated, timed out): take it over.
          const broken = await store.releases.breakLock(error.holder, `its workflow ${error.holder} ended without giving back the release lock`);
          if (broken) warn('broke a stale release lock', { holder: error.holder, releaseId: error.releaseId, by: input.workflowId });
          await store.releases.acquireLock(input.workflowId);
        }
      }),

    releaseReleaseLock: (input: { workflowId: string }) =>
      mapped(`giving back the release lock of ${input.workflowId}`, async () => {
        await store.releases.releaseLock(input.workflowId);
      }),

    buildRelease: (input: { workflowId: string; requestedBy: string; only: string[] | null }) =>
      mapped('building the release candidate', async () => {
        const { created, ...plan } = await buildRelease(store, input);
        info(created ? 'release built' : 'release found (built before from the same candidate)', {
          releaseId: plan.releaseId,
          articles: plan.articles,
          added: plan.diff.added,
          updated: plan.diff.updated,
          removed: plan.diff.removed,
        });
        return plan;
      }),

    planRollback: (input: { workflowId: string; requestedBy: string; target: string | null }) =>
      mapped(`planning a rollback${input.target ? ` to ${input.target}` : ''}`, async () => {
        const { created: _created, ...plan } = await planRollback(store, input);
        return plan;
      }),

    runChecks: (input: { releaseId: string }) =>
      mapped(`checking release ${input.releaseId}`, async () => {
        const signal = cancellation();
        const { checked, ...report } = await runReleaseChecks(store, input.releaseId, {
          onProgress: (n) => heartbeat({ checked: n }),
          ...(signal ? { signal } : {}),
        });
        info('release checked', { releaseId: input.releaseId, checked, passed: report.passed });
        return report;
      }),

    pointEnvironment: (input: {
      environment: Environment;
      releaseId: string;
      actor: string;
      action: 'stage' | 'promote' | 'rollback' | 'compensate';
      workflowId: string;
      reason: string | null;
    }) =>
      mapped(`pointing ${input.environment} at ${input.releaseId}`, async () => {
        const { moved, ...move } = await store.releases.point(input);
        info(moved ? 'environment pointer moved' : 'environment already pointed there', { ...move, action: input.action });
        return move;
      }),

    purgeRoutes: (input: { environment: Environment; releaseId: string; previous: string | null }) =>
      mapped(`purging the ${input.environment} routes changed by ${input.releaseId}`, async () => {
        const routes = await routesBetween(store, input.environment, input.releaseId, input.previous);
        return purger.purge({ keys: routes.keys, paths: routes.paths });
      }),

    verifyEnvironment: (input: { environment: Environment; releaseId: string; previous: string | null }) =>
      mapped(`verifying ${input.environment} serves ${input.releaseId}`, async () => {
        const serving = (await store.releases.environments()).find((e) => e.name === input.environment);
        if (serving?.releaseId !== input.releaseId) {
          throw new VerificationFailedError(`${input.environment} points at ${serving?.releaseId ?? 'no release'}, expected ${input.releaseId}`, []);
        }
        const baseUrl = typeof deps.siteUrl === 'function' ? deps.siteUrl() : deps.siteUrl;
        if (!baseUrl)
          throw new PressroomError(ErrorType.InvalidConfig, 'no site URL to verify against: set SITE_URL, or run the worker with its HTTP API (not retryable)');
        const routes = await routesBetween(store, input.environment, input.releaseId, input.previous);
        heartbeat({ verifying: routes.verify.length });
        const timings = await verifyRoutes({ baseUrl, routes: routes.verify, concurrency: deps.verifyConcurrency ?? 32 });
        return { environment: input.environment, checked: routes.verify.length, timings };
      }),

    tagRelease: (input: { releaseId: string }) =>
      mapped(`tagging release ${input.releaseId}`, async () => {
        const { tag } = await store.releases.tag(input.releaseId);
        const release = await store.releases.get(input.releaseId, { limit: 1, offset: 0 });
        if (!release) throw new PressroomError(ErrorType.ReleaseNotFound, `release ${input.releaseId} vanished while being tagged`);
        if (release.changelog !== null && release.changelog.startsWith(`## ${tag} `)) return { tag, changelog: release.changelog };
        const changes = await store.releases.changes(input.releaseId, release.baseRelease, { perKind: CHANGELOG_LIST_LIMIT });
        const changelog = renderChangelog({
          tag,
          releaseId: release.id,
          kind: release.kind,
          target: release.target,
          base: release.baseRelease,
          diff: release.diff,
          changes,
        });
        await store.releases.setChangelog(input.releaseId, changelog);
        return { tag, changelog };
      }),

    recordReleaseOutcome: (input: {
      releaseId: string;
      status: ReleaseStatus;
      checks: CheckReport | null;
      decision: ReleaseDecision | null;
      reason: string | null;
    }) => mapped(`recording how release ${input.releaseId} ended`, () => store.releases.recordOutcome(input)),
  } satisfies ReleaseActivities;
}
