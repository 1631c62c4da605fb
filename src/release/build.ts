import { createHash } from 'node:crypto';
import { candidateKey, releaseIdFromHash, rollbackKey } from '../domain/release/identity.js';
import type { ReleasePlan } from '../domain/release/model.js';
import type { Store } from '../store/index.js';
import type { IdentifyCandidate, IdentifyRollback } from '../store/releases.js';

// Building a release or a rollback record: the store assembles the manifest set-based and hashes it
// where the rows are; the id is the sha256 of the candidate (src/domain/release/identity.ts), so a
// release triggered twice finds the first build instead of publishing twice.

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const identifyCandidate: IdentifyCandidate = (candidate) => releaseIdFromHash('release', sha256Hex(candidateKey(candidate)));
export const identifyRollback: IdentifyRollback = (rollback) => releaseIdFromHash('rollback', sha256Hex(rollbackKey(rollback)));

export type BuildInput = { workflowId: string; requestedBy: string; only: readonly string[] | null };

/**
 * The release of the candidate (production's manifest with every approved current revision, or only
 * those of `only`), built once; the lock's holder then names it, so a second starter learns which
 * release is running. ReleaseNotFound when nothing would change.
 */
export async function buildRelease(store: Pick<Store, 'releases'>, input: BuildInput): Promise<ReleasePlan & { created: boolean }> {
  const { plan, created } = await store.releases.createCandidate({ ...input, identify: identifyCandidate });
  await store.releases.lockRelease(input.workflowId, plan.releaseId);
  return { ...plan, created };
}

export type RollbackInput = { workflowId: string; requestedBy: string; target: string | null };

/** A rollback record: production goes back to `target` (default: the release it served before the current one). */
export async function planRollback(store: Pick<Store, 'releases'>, input: RollbackInput): Promise<ReleasePlan & { target: string; created: boolean }> {
  const { plan, created } = await store.releases.createRollback({ ...input, identify: identifyRollback });
  await store.releases.lockRelease(input.workflowId, plan.releaseId);
  return { ...plan, created };
}

/** The release `buildRelease` would build now, named the same way, writing nothing: a client's start names its workflow after it. */
export async function previewRelease(store: Pick<Store, 'releases'>, only: readonly string[] | null) {
  return store.releases.previewCandidate({ only, identify: identifyCandidate });
}
