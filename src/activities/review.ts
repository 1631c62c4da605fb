import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../domain/errors.js';
import { stateForDecision, type ReviewDecision } from '../domain/review.js';
import type { Store } from '../store/index.js';
import { toApplicationFailure } from './failures.js';

export type ReviewInput = { decision: ReviewDecision; sourceIds: string[]; reviewer: string };
export type ReviewResult = { decision: ReviewDecision; changed: string[]; unknown: string[] };

export function createReviewActivities(deps: { store: Pick<Store, 'articles'> }) {
  return {
    async setReviewState(input: ReviewInput): Promise<ReviewResult> {
      if (input.sourceIds.length === 0) throw ApplicationFailure.nonRetryable('no source ids given: expected at least one', ErrorType.InvalidInput);
      const changed = await deps.store.articles.setReviewState(input.sourceIds, stateForDecision(input.decision), input.reviewer).catch((error: unknown) => {
        throw toApplicationFailure(error, `setting review state of ${input.sourceIds.length} articles`);
      });
      const found = new Set(changed);
      return { decision: input.decision, changed, unknown: input.sourceIds.filter((id) => !found.has(id)) };
    },
  };
}

export type ReviewActivities = ReturnType<typeof createReviewActivities>;
