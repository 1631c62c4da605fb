import type { VerifyReport, VerifySettings, Watermark } from '../domain/search/input.js';

// The search activities' signatures: the seam between reindexWorkflow (which imports these TYPES only)
// and createSearchActivities in ./search.ts (which must satisfy them).

export type SearchActivities = {
  /**
   * Starts generation N+1 and notes the watermark (production's release now), or finds the one this
   * workflow started before. ReindexInProgress when another running workflow builds one; a builder whose
   * workflow ended is cleared first. SearchIndexNotFound when production has no release.
   */
  beginGeneration(input: { workflowId: string }): Promise<{ generation: number; total: number; watermark: Watermark; resumed: boolean }>;
  /**
   * Writes up to `maxBatches` batches of the generation's release after position `after` (static-score order), heartbeating
   * each; a retry resumes after the last batch written. `last` is where the next call starts; null: done.
   */
  fillGeneration(input: {
    generation: number;
    batchSize: number;
    after: number;
    maxBatches: number;
  }): Promise<{ written: number; failed: number; last: number | null }>;
  /** Builds the generation's GIN and static-score indexes and analyses it. */
  indexGeneration(input: { generation: number }): Promise<void>;
  /** Computes and stores similar posts: for every document, or only those without any yet. */
  computeSimilarPosts(input: { generation: number; onlyMissing: boolean }): Promise<{ written: number }>;
  /** Applies production's changes made after the generation's watermark, and moves the watermark. */
  catchUpGeneration(input: { generation: number }): Promise<{ upserted: number; removed: number; watermark: Watermark }>;
  /** Measures and judges the generation (counts, golden queries, failures, plans, latency). Never throws for a failed check. */
  verifyGeneration(input: { generation: number; verify: VerifySettings }): Promise<VerifyReport>;
  /** Points the alias at the generation in one transaction (applying any change made since the catch-up first). */
  swapGeneration(input: { generation: number; report: unknown }): Promise<{ from: number | null; to: number; caughtUp: { upserted: number; removed: number } }>;
  /** Drops kept generations beyond the `keep` newest. */
  pruneGenerations(input: { keep: number }): Promise<number[]>;
  /** Ends a generation that will not be swapped in: its table is dropped, its row keeps the report. */
  failGeneration(input: { generation: number; report: unknown }): Promise<void>;
  /** Points the alias back at the newest kept generation older than the live one. */
  rollbackGeneration(input: Record<string, never>): Promise<{ from: number; to: number }>;
  /** Purges every cached article page (their similar posts changed with the live generation): the `similar` surrogate key of each environment. */
  purgeSimilarPosts(input: Record<string, never>): Promise<void>;
  /** Brings the live generation to production's current release, writing only what changed, plus similar posts for what it wrote. */
  applyIncremental(
    input: Record<string, never>,
  ): Promise<{ generation: number; upserted: number; removed: number; similar: number; watermark: Watermark; before: Watermark }>;
};
