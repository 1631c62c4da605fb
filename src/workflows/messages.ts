import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ImportProgress } from '../domain/import/index.js';
import type { ReleaseDecisionInput, ReleaseStatusView } from '../domain/release/input.js';
import type { ReindexProgress } from '../domain/search/input.js';

// Every signal, query and update handle, declared once. Workflows and clients import them from here.

/** A query's name is per workflow type: every long-running workflow answers `progress` with its own shape. */
const PROGRESS = 'progress';

/** The import's live counts: what `pressroom import --wait` draws its progress bar from. */
export const progressQuery = defineQuery<ImportProgress>(PROGRESS);

/** A reindex's step and counts: what `pressroom reindex --wait` draws its progress bar from. */
export const reindexProgressQuery = defineQuery<ReindexProgress>(PROGRESS);

/** A release's or rollback's step, check results, diff, decision and timings. */
export const releaseStatusQuery = defineQuery<ReleaseStatusView>('releaseStatus');

/**
 * Approves a release awaiting approval: it goes on to production. Refused (nothing changes) when the
 * name or reason is empty, or the release is not awaiting approval. Answers the status after the decision.
 */
export const approveReleaseUpdate = defineUpdate<ReleaseStatusView, [ReleaseDecisionInput]>('approveRelease');

/** Rejects a release awaiting approval: it ends rejected and production is untouched. Refused like approveRelease. */
export const rejectReleaseUpdate = defineUpdate<ReleaseStatusView, [ReleaseDecisionInput]>('rejectRelease');
