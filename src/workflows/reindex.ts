import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SearchActivities } from '../activities/search-types.js';
import { ErrorType } from '../domain/errors.js';
import { RunOutcome, WorkflowKind } from '../domain/names.js';
import {
  FILL_BATCHES_PER_CALL,
  KEPT_GENERATIONS,
  ReindexWorkflowInput,
  failedChecks,
  type ReindexProgress,
  type ReindexReport,
  type ReindexStep,
} from '../domain/search/input.js';
import { parseInput } from './input.js';
import { reindexProgressQuery } from './messages.js';
import { searchBuild, searchFill, searchStore } from './profiles.js';
import { describeFailure, now } from './failure.js';
import { markOutcome, markStarted, markThrown } from './search-attributes.js';

export type { ReindexReport, ReindexWorkflowInput } from '../domain/search/input.js';

const store = proxyActivities<SearchActivities>(searchStore);
const { fillGeneration } = proxyActivities<SearchActivities>(searchFill);
const build = proxyActivities<SearchActivities>(searchBuild);

/**
 * Rebuilds or updates the search index.
 *
 * - full: notes the watermark, fills generation N+1 from production's articles beside the live one,
 *   indexes it, computes similar posts, catches up with what production changed meanwhile, verifies it
 *   and swaps the alias to it in one transaction, then drops generations older than the two kept. A
 *   failed verification swaps nothing and fails the run (ReindexVerificationFailed) with the report.
 * - incremental: brings the live generation to production's current release, writing only what changed.
 *   A promotion starts one as a child that outlives the release.
 * - rollback: points the alias back at the previous generation.
 */
export async function reindexWorkflow(input: ReindexWorkflowInput): Promise<ReindexReport> {
  const settings = parseInput('reindexWorkflow', ReindexWorkflowInput, input);
  const { workflowId } = workflowInfo();
  markStarted(WorkflowKind.reindex, settings.mode);
  const startedAt = now();
  const progress: ReindexProgress = { mode: settings.mode, step: 'starting', generation: null, done: 0, total: 0, failed: 0, startedAt, updatedAt: startedAt };
  setHandler(reindexProgressQuery, () => progress);
  const report: ReindexReport = {
    mode: settings.mode,
    workflowId,
    requestedBy: settings.requestedBy,
    generation: null,
    previous: null,
    swapped: false,
    documents: 0,
    failed: 0,
    similar: 0,
    caughtUp: { upserted: 0, removed: 0 },
    watermark: null,
    verification: null,
    dropped: [],
    reason: null,
    startedAt,
    finishedAt: startedAt,
    timingsMs: {},
  };
  let stepStarted = Date.now();
  const step = (next: ReindexStep) => {
    const at = Date.now();
    // Every step it passed is named, 0 ms included: the report's shape does not depend on the clock.
    report.timingsMs[progress.step] = (report.timingsMs[progress.step] ?? 0) + (at - stepStarted);
    stepStarted = at;
    progress.step = next;
    progress.updatedAt = now();
  };
  const finish = (): ReindexReport => {
    step('done');
    report.finishedAt = now();
    markOutcome(RunOutcome.completed);
    return report;
  };

  try {
    if (settings.mode === 'rollback') {
      step('rolling-back');
      const moved = await store.rollbackGeneration({});
      Object.assign(report, { generation: moved.to, previous: moved.from, swapped: true });
      progress.generation = moved.to;
      await purgeSimilar(report);
      return finish();
    }

    if (settings.mode === 'incremental') {
      step('applying');
      const applied = await store.applyIncremental({});
      Object.assign(report, {
        generation: applied.generation,
        caughtUp: { upserted: applied.upserted, removed: applied.removed },
        similar: applied.similar,
        watermark: applied.watermark,
        reason: settings.trigger === null ? null : `after the promotion of ${settings.trigger}`,
      });
      Object.assign(progress, { generation: applied.generation, done: applied.upserted + applied.removed, total: applied.upserted + applied.removed });
      if (applied.upserted + applied.removed > 0) await purgeSimilar(report);
      return finish();
    }

    return await fullReindex(settings, report, progress, step, finish);
  } catch (error) {
    markThrown(error);
    if (isCancellation(error) || (error instanceof ApplicationFailure && error.type === ErrorType.ReindexVerificationFailed)) throw error;
    // An activity's failure, named by its vocabulary type (SearchIndexNotFound, ReindexInProgress, …) with the report so far.
    const cause = describeFailure(error);
    report.reason = `${progress.step} failed: ${cause.message}`;
    report.finishedAt = now();
    throw ApplicationFailure.create({
      type: cause.type,
      message: report.reason,
      nonRetryable: true,
      details: [report],
      cause: error instanceof Error ? error : undefined,
    });
  }
}

/**
 * Purges the cached article pages, whose similar posts changed. A cache that stays down is noted in
 * the report, not a failure: the index itself is done, and the pages refresh when they expire.
 */
async function purgeSimilar(report: ReindexReport): Promise<void> {
  try {
    await store.purgeSimilarPosts({});
  } catch (error) {
    const note = `purging the cached article pages failed (${describeFailure(error).message}): they show the earlier similar posts until they expire`;
    report.reason = report.reason === null ? note : `${report.reason}; ${note}`;
  }
}

async function fullReindex(
  settings: Extract<ReindexWorkflowInput, { mode: 'full' }>,
  report: ReindexReport,
  progress: ReindexProgress,
  step: (next: ReindexStep) => void,
  finish: () => ReindexReport,
): Promise<ReindexReport> {
  const { workflowId } = workflowInfo();
  const begun = await store.beginGeneration({ workflowId });
  const generation = begun.generation;
  Object.assign(report, { generation, watermark: begun.watermark });
  Object.assign(progress, { generation, total: begun.total });
  let swapped = false;
  try {
    step('filling');
    let after = 0;
    for (;;) {
      const filled = await fillGeneration({ generation, batchSize: settings.batchSize, after, maxBatches: FILL_BATCHES_PER_CALL });
      progress.done += filled.written;
      progress.failed += filled.failed;
      progress.updatedAt = now();
      if (filled.last === null) break;
      after = filled.last;
    }
    report.documents = progress.done;
    report.failed = progress.failed;

    step('indexing');
    await build.indexGeneration({ generation });

    step('similar');
    report.similar = (await build.computeSimilarPosts({ generation, onlyMissing: false })).written;

    step('catching-up');
    const caught = await store.catchUpGeneration({ generation });
    report.caughtUp = { upserted: caught.upserted, removed: caught.removed };
    report.watermark = caught.watermark;
    if (caught.upserted > 0) report.similar += (await build.computeSimilarPosts({ generation, onlyMissing: true })).written;

    step('verifying');
    const verification = await build.verifyGeneration({ generation, verify: settings.verify });
    report.verification = verification;
    if (!verification.passed) {
      step('failed');
      report.reason = `verification failed, nothing was swapped: ${failedChecks(verification)}`;
      report.finishedAt = now();
      await CancellationScope.nonCancellable(() => store.failGeneration({ generation, report }));
      markOutcome(RunOutcome.notSwapped);
      throw ApplicationFailure.create({ type: ErrorType.ReindexVerificationFailed, message: report.reason, nonRetryable: true, details: [report] });
    }

    step('swapping');
    // Not cancellable from here: the swap is one transaction, and a generation swapped in must be reported.
    const moved = await CancellationScope.nonCancellable(() => store.swapGeneration({ generation, report }));
    swapped = true;
    report.swapped = true;
    report.previous = moved.from;
    report.caughtUp.upserted += moved.caughtUp.upserted;
    report.caughtUp.removed += moved.caughtUp.removed;
    if (moved.caughtUp.upserted > 0) report.similar += (await build.computeSimilarPosts({ generation, onlyMissing: true })).written;

    await purgeSimilar(report);

    step('pruning');
    report.dropped = await store.pruneGenerations({ keep: KEPT_GENERATIONS });
    return finish();
  } catch (error) {
    if (!swapped && !(error instanceof ApplicationFailure && error.type === ErrorType.ReindexVerificationFailed)) {
      // The generation will never be swapped in: drop its table, keep its row with why.
      const reason = describeFailure(error).message;
      await CancellationScope.nonCancellable(() => store.failGeneration({ generation, report: { ...report, reason } })).catch(() => undefined);
    }
    throw error;
  }
}
