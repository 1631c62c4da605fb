import { z } from 'zod';
import type { Article } from './article/index.js';

// Who must look at an article before it may be released. REVIEW_POLICY picks the rule; editors
// change individual states with `pressroom review approve|reject`.

export const ReviewPolicy = z.enum(['flagged', 'all', 'none']);
export type ReviewPolicy = z.infer<typeof ReviewPolicy>;

export const ReviewState = z.enum(['pending', 'approved', 'rejected']);
export type ReviewState = z.infer<typeof ReviewState>;

export const ReviewDecision = z.enum(['approve', 'reject']);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** The state new content starts in: `flagged` holds back only what the exporter flagged. */
export function initialReviewState(policy: ReviewPolicy, article: Article): ReviewState {
  switch (policy) {
    case 'all':
      return 'pending';
    case 'none':
      return 'approved';
    case 'flagged':
      return article.meta.flags?.needsHumanReview === true ? 'pending' : 'approved';
  }
}

export function stateForDecision(decision: ReviewDecision): ReviewState {
  return decision === 'approve' ? 'approved' : 'rejected';
}
