import { proxyActivities } from '@temporalio/workflow';
import type { ReviewActivities } from '../activities/review.js';
import { RunOutcome, WorkflowKind } from '../domain/names.js';
import { ReviewWorkflowInput, type ReviewWorkflowResult } from '../domain/review.js';
import { parseInput } from './input.js';
import { quickStore } from './profiles.js';
import { markOutcome, markStarted, markThrown } from './search-attributes.js';

const { setReviewState } = proxyActivities<ReviewActivities>(quickStore);

export type { ReviewWorkflowInput, ReviewWorkflowResult } from '../domain/review.js';

/** An editor's decision on articles, recorded through Temporal so the Web UI keeps who did what. */
export async function reviewWorkflow(input: ReviewWorkflowInput): Promise<ReviewWorkflowResult> {
  // Validated here, before any write: a decision that is not exactly approve or reject changes nothing.
  const request = parseInput('reviewWorkflow', ReviewWorkflowInput, input);
  markStarted(WorkflowKind.review);
  try {
    const result = await setReviewState(request);
    markOutcome(RunOutcome.completed);
    return result;
  } catch (error) {
    markThrown(error);
    throw error;
  }
}
