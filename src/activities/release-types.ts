import type { CheckReport, Environment, PointerMove, PurgeReport, ReleaseDecision, ReleasePlan, ReleaseStatus, VerifyReport } from '../domain/release/model.js';

// The release activities' signatures: the seam between releaseWorkflow / rollbackWorkflow (which import
// these TYPES only) and createReleaseActivities in ./release.ts (which must satisfy them).

export type ReleaseActivities = {
  /** Takes the one release lock for this workflow (idempotent for the same holder); ReleaseInProgress names the holder otherwise. */
  acquireReleaseLock(input: { workflowId: string }): Promise<void>;
  /** Gives the lock back if this workflow holds it; a no-op otherwise. */
  releaseReleaseLock(input: { workflowId: string }): Promise<void>;
  /**
   * Builds (or finds, when triggered again) the immutable release of the candidate: approved current
   * revisions that differ from production, or only the given source ids. ReleaseNotFound when there is nothing to release.
   */
  buildRelease(input: { workflowId: string; requestedBy: string; only: string[] | null }): Promise<ReleasePlan>;
  /** Builds a rollback record: a release of kind rollback whose manifest is the target's (default: the release production had before). */
  planRollback(input: { workflowId: string; requestedBy: string; target: string | null }): Promise<ReleasePlan & { target: string }>;
  /** Runs every content check on the release's revisions themselves. Never throws for failed checks: the report says. */
  runChecks(input: { releaseId: string }): Promise<CheckReport>;
  /** Moves an environment's pointer in one transaction with its audit entry; idempotent when it already points there. */
  pointEnvironment(input: {
    environment: Environment;
    releaseId: string;
    actor: string;
    action: 'stage' | 'promote' | 'rollback' | 'compensate';
    workflowId: string;
    reason: string | null;
  }): Promise<PointerMove>;
  /** Purges only the routes that differ between two releases of an environment (the articles, the index, the sitemap). */
  purgeRoutes(input: { environment: Environment; releaseId: string; previous: string | null }): Promise<PurgeReport>;
  /** Every route that differs from `previous` answers 200 with its title and the release's ETag; VerificationFailed otherwise. */
  verifyEnvironment(input: { environment: Environment; releaseId: string; previous: string | null }): Promise<VerifyReport>;
  /** Gives the release its YYYY.MM.DD-N tag (idempotent) and writes its changelog. */
  tagRelease(input: { releaseId: string }): Promise<{ tag: string; changelog: string }>;
  /** Records how the release ended, with its checks and decision. */
  recordReleaseOutcome(input: {
    releaseId: string;
    status: ReleaseStatus;
    checks: CheckReport | null;
    decision: ReleaseDecision | null;
    reason: string | null;
  }): Promise<void>;
};
