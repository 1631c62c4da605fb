import { ErrorType, PressroomError } from '../domain/errors.js';
import { describeIssues } from '../domain/input.js';
import { WorkflowIds } from '../domain/names.js';
import { ReviewWorkflowInput, type ReviewWorkflowResult } from '../domain/review.js';
import { reviewWorkflow } from '../workflows/review.js';
import type { PressroomClient } from './types.js';

export type ReviewRequest = ReviewWorkflowInput;

/** Runs an editor's decision through reviewWorkflow and waits for what changed. */
export async function runReview(pc: PressroomClient, request: ReviewRequest): Promise<ReviewWorkflowResult> {
  const parsed = ReviewWorkflowInput.safeParse(request);
  if (!parsed.success) throw new PressroomError(ErrorType.InvalidInput, `invalid review request (${describeIssues(parsed.error)})`);
  const input = parsed.data;
  return pc.client.workflow.execute(reviewWorkflow, {
    taskQueue: pc.config.temporal.taskQueue,
    workflowId: WorkflowIds.review(input.decision, `${Date.now().toString(36)}-${input.sourceIds.length}`),
    args: [input],
    staticSummary: `${input.decision} ${input.sourceIds.length} article(s) by ${input.reviewer}`,
  });
}
