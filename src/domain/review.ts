import { z } from 'zod';

// Who must look at an article before it may be released. REVIEW_POLICY picks the rule; editors
// change individual states with `pressroom review approve|reject`.

export const ReviewPolicy = z.enum(['flagged', 'all', 'none']);
export type ReviewPolicy = z.infer<typeof ReviewPolicy>;

export const ReviewState = z.enum(['pending', 'approved', 'rejected']);
export type ReviewState = z.infer<typeof ReviewState>;

export const ReviewDecision = z.enum(['approve', 'reject']);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** At most this many articles per decision: one workflow, one activity, one transaction. */
export const MAX_REVIEW_IDS = 1_000;

/** reviewWorkflow's input. Every field is required: a decision is never guessed. */
export const ReviewWorkflowInput = z.strictObject({
  decision: ReviewDecision,
  sourceIds: z
    .array(z.string().min(1, 'expected a non-empty source id'), 'expected a list of source ids')
    .min(1, 'expected at least one source id')
    .max(MAX_REVIEW_IDS, `expected at most ${MAX_REVIEW_IDS} source ids`),
  reviewer: z.string("expected the reviewer's name").min(1, 'expected a non-empty reviewer name').max(200, 'expected at most 200 characters'),
});
export type ReviewWorkflowInput = z.infer<typeof ReviewWorkflowInput>;

export type ReviewWorkflowResult = { decision: ReviewDecision; changed: string[]; unknown: string[] };

/** The state new content starts in: `flagged` holds back only what the exporter flagged (meta.flags.needsHumanReview). */
export function initialReviewState(policy: ReviewPolicy, needsHumanReview: boolean): ReviewState {
  switch (policy) {
    case 'all':
      return 'pending';
    case 'none':
      return 'approved';
    case 'flagged':
      return needsHumanReview ? 'pending' : 'approved';
  }
}

export function stateForDecision(decision: ReviewDecision): ReviewState {
  return decision === 'approve' ? 'approved' : 'rejected';
}
