import { proxyActivities } from '@temporalio/workflow';
import type { ReviewActivities, ReviewInput, ReviewResult } from '../activities/review.js';
import { quickStore } from './profiles.js';

const { setReviewState } = proxyActivities<ReviewActivities>(quickStore);

/** An editor's decision on articles, recorded through Temporal so the Web UI keeps who did what. */
export async function reviewWorkflow(input: ReviewInput): Promise<ReviewResult> {
  return setReviewState(input);
}
