import type { Store } from '../store/index.js';
import type { ReviewPolicy } from '../domain/review.js';
import type { ParseDocuments } from '../ingest/parse-document.js';
import { createFreshnessActivities } from './freshness.js';
import { createImportActivities } from './import.js';
import { createProbeActivities } from './probe.js';
import { createReleaseActivities, type ReleaseActivityDeps } from './release.js';
import { createReviewActivities } from './review.js';
import { createSearchActivities } from './search.js';

export type ActivityDeps = { store: Store; reviewPolicy: ReviewPolicy; parse?: ParseDocuments } & Pick<ReleaseActivityDeps, 'purger' | 'siteUrl'>;

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createProbeActivities(deps),
    ...createImportActivities(deps),
    ...createReviewActivities(deps),
    ...createReleaseActivities(deps),
    ...createSearchActivities(deps),
    ...createFreshnessActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
