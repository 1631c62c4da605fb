import { Context, log } from '@temporalio/activity';
import { fillGeneration, storeSimilar, verifyGeneration, type FillProgress } from '../search/reindex.js';
import { surrogateKey } from '../domain/site/index.js';
import type { CachePurger } from '../release/purger.js';
import type { Store } from '../store/index.js';
import { ReindexInProgressError } from '../store/search.js';
import { holderRunningInTemporal, mapped } from './failures.js';
import type { SearchActivities } from './search-types.js';

// The reindex's activities: the work of reindexWorkflow against the store, each mapping its errors to
// the vocabulary (src/activities/failures.ts). The work itself lives in src/search, free of Temporal.

export type SearchActivityDeps = {
  store: Pick<Store, 'search'>;
  /** The cache in front of the site: article pages show similar posts, so a new generation purges them. */
  purger: CachePurger;
  /** Whether a building generation's workflow still runs (default: asked of Temporal through the activity's client). */
  holderRunning?: (workflowId: string) => Promise<boolean>;
};

/** The activity context, or undefined in a plain call (a test, the benchmark). */
function context(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function isFillProgress(value: unknown): value is FillProgress {
  return (
    typeof value === 'object' && value !== null && typeof (value as FillProgress).after === 'number' && typeof (value as FillProgress).written === 'number'
  );
}

export function createSearchActivities(deps: SearchActivityDeps) {
  const { store } = deps;
  return {
    beginGeneration: (input: { workflowId: string }) =>
      mapped('starting a search generation', async () => {
        let begun;
        try {
          begun = await store.search.createGeneration(input.workflowId);
        } catch (error) {
          if (!(error instanceof ReindexInProgressError)) throw error;
          if (await (deps.holderRunning ?? holderRunningInTemporal)(error.holder)) throw error;
          // Its workflow ended (terminated, timed out) without finishing the generation: clear it.
          await store.search.failGeneration(error.generation, {
            reason: `its workflow ${error.holder} ended without finishing it; cleared by ${input.workflowId}`,
          });
          log.warn('cleared a generation whose reindex workflow had ended', { generation: error.generation, holder: error.holder });
          begun = await store.search.createGeneration(input.workflowId);
        }
        const { generation, total, created } = begun;
        return { generation: generation.id, total, watermark: generation.watermark, resumed: !created };
      }),

    fillGeneration: (input: { generation: number; batchSize: number; after: number; maxBatches: number }) =>
      mapped(`filling search generation ${input.generation}`, async () => {
        const ctx = context();
        const details: unknown = ctx?.info.heartbeatDetails;
        // An earlier attempt of this call got as far as its last heartbeat: go on from there.
        const resume = isFillProgress(details) ? details : { after: input.after, written: 0, failed: 0 };
        if (resume.after !== input.after) log.info('resuming the fill', { generation: input.generation, after: resume.after, written: resume.written });
        const done = await fillGeneration(store, input.generation, {
          batchSize: input.batchSize,
          maxBatches: input.maxBatches,
          resume,
          onProgress: (progress) => ctx?.heartbeat(progress),
          signal: ctx?.cancellationSignal,
        });
        return { written: done.written, failed: done.failed, last: done.finished ? null : done.after };
      }),

    indexGeneration: (input: { generation: number }) =>
      mapped(`indexing search generation ${input.generation}`, async () => {
        const head = await store.search.indexGeneration(input.generation);
        log.info('search generation indexed', { generation: input.generation, headThreshold: head?.threshold ?? null });
      }),

    computeSimilarPosts: (input: { generation: number; onlyMissing: boolean }) =>
      mapped(`computing similar posts of generation ${input.generation}`, async () => {
        const ctx = context();
        const written = await storeSimilar(store, input.generation, { onlyMissing: input.onlyMissing, onProgress: (n) => ctx?.heartbeat({ similar: n }) });
        return { written };
      }),

    catchUpGeneration: (input: { generation: number }) =>
      mapped(`catching search generation ${input.generation} up`, () => store.search.catchUp(input.generation)),

    verifyGeneration: (input: { generation: number; verify: Parameters<typeof verifyGeneration>[2] }) =>
      mapped(`verifying search generation ${input.generation}`, async () => {
        const { report } = await verifyGeneration(store, input.generation, input.verify);
        log.info('search generation verified', { generation: input.generation, passed: report.passed });
        return report;
      }),

    swapGeneration: (input: { generation: number; report: unknown }) =>
      mapped(`swapping search generation ${input.generation} in`, () => store.search.swap(input.generation, input.report)),

    pruneGenerations: (input: { keep: number }) => mapped('dropping old search generations', () => store.search.prune(input.keep)),

    failGeneration: (input: { generation: number; report: unknown }) =>
      mapped(`ending search generation ${input.generation}`, () => store.search.failGeneration(input.generation, input.report)),

    rollbackGeneration: (_input: Record<string, never>) => mapped('rolling the search index back', () => store.search.rollback()),

    purgeSimilarPosts: (_input: Record<string, never>) =>
      mapped('purging the cached article pages (their similar posts changed)', async () => {
        await deps.purger.purge({ keys: [surrogateKey.similar('production'), surrogateKey.similar('staging')], paths: [] });
      }),

    applyIncremental: (_input: Record<string, never>) =>
      mapped('updating the live search generation', async () => {
        const applied = await store.search.applyIncremental();
        const similar = applied.upserted > 0 ? await storeSimilar(store, applied.generation, { onlyMissing: true }) : 0;
        return { ...applied, similar };
      }),
  } satisfies SearchActivities;
}
