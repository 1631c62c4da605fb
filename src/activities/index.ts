import type { Store } from '../store/index.js';
import type { ReviewPolicy } from '../domain/review.js';
import { createImportActivities } from './import.js';
import { createProbeActivities } from './probe.js';
import { createReviewActivities } from './review.js';

export type ActivityDeps = { store: Store; reviewPolicy: ReviewPolicy };

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createProbeActivities(deps),
    ...createImportActivities(deps),
    ...createReviewActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
