import { PLAN_CHECK_MIN_DOCUMENTS, judgeVerification, type VerifyMeasurements, type VerifyReport, type VerifySettings } from '../domain/search/input.js';
import { SimilarIndex } from '../domain/search/similar.js';
import type { Store } from '../store/index.js';
import { ginIndexOf, headIndexOf } from '../store/search.js';

// The reindex's work without Temporal: filling a generation in batches (resumable from the last source id
// written), similar posts, verification. The activities in src/activities/search.ts run these, and so
// does the benchmark.

type SearchStore = Pick<Store, 'search'>;

/** `after`: the position (in static-score order) of the last article written; 0 before the first. */
export type FillProgress = { after: number; written: number; failed: number };

/**
 * A batch is written by this many statements at once: computing tsvectors is PostgreSQL's CPU work, one
 * core per statement, and a worker on a 2-core machine leaves the second core idle otherwise.
 */
export const FILL_LANES = 2;

/**
 * Fills a generation from its release, `batchSize` articles per statement, in source-id order, from
 * position `resume.after` on (articles go in static-score order), for at most `maxBatches` batches (all when unset). Stops early when the signal
 * aborts (a cancel, a lost heartbeat): what was written stays, and the next attempt resumes after it.
 * `finished` is true once the release has no article after `after`.
 */
export async function fillGeneration(
  store: SearchStore,
  generation: number,
  options: {
    batchSize: number;
    maxBatches?: number;
    /** Statements in flight within a batch (default FILL_LANES). */
    lanes?: number;
    resume?: FillProgress | undefined;
    onProgress?: (progress: FillProgress) => void;
    signal?: AbortSignal | undefined;
  },
): Promise<FillProgress & { finished: boolean }> {
  const progress: FillProgress = options.resume ? { ...options.resume } : { after: 0, written: 0, failed: 0 };
  for (let batches = 0; batches < (options.maxBatches ?? Infinity); batches++) {
    options.signal?.throwIfAborted();
    const batch = await store.search.fillBatch(generation, progress.after, options.batchSize, options.lanes ?? FILL_LANES);
    if (batch.last === null) return { ...progress, finished: true };
    progress.after = batch.last;
    progress.written += batch.written;
    progress.failed += batch.failed;
    options.onProgress?.({ ...progress });
    if (batch.written + batch.failed < options.batchSize) return { ...progress, finished: true };
  }
  return { ...progress, finished: false };
}

/** Similar posts written per statement, and documents read per page to compute them. */
const SIMILAR_CHUNK = 5_000;
const FEATURES_PAGE = 10_000;

/**
 * Computes similar posts over the whole generation and stores them: for every document, or only for
 * those without any yet (`onlyMissing`: after a catch-up or an incremental run wrote a few). The
 * features are read a page at a time into the index's compact form, so 100,000 documents fit a worker.
 */
export async function storeSimilar(
  store: SearchStore,
  generation: number,
  options: { onlyMissing?: boolean; onProgress?: (written: number) => void } = {},
): Promise<number> {
  const missing = options.onlyMissing ? new Set(await store.search.withoutSimilar(generation)) : null;
  if (missing !== null && missing.size === 0) return 0;
  const index = new SimilarIndex();
  for (let after = ''; ;) {
    const page = await store.search.similarFeatures(generation, after, FEATURES_PAGE);
    if (page.length === 0) break;
    index.add(page);
    after = page[page.length - 1]!.sourceId;
    options.onProgress?.(0);
  }
  const lists = index.compute().filter((l) => missing === null || missing.has(l.sourceId));
  let written = 0;
  for (let i = 0; i < lists.length; i += SIMILAR_CHUNK) {
    written += await store.search.writeSimilar(generation, lists.slice(i, i + SIMILAR_CHUNK));
    options.onProgress?.(written);
  }
  return written;
}

/**
 * Measures the new generation against production and the live generation and judges it: counts,
 * golden queries (each sampled article's title finds it in the top 3), failures, the plan of every
 * golden query (it must use the GIN index: a table PostgreSQL has no statistics for may be scanned
 * instead), and the golden queries' p95 against the live generation's, interleaved so both see the same load.
 */
export async function verifyGeneration(
  store: SearchStore,
  generation: number,
  settings: VerifySettings,
): Promise<{ report: VerifyReport; measured: VerifyMeasurements }> {
  const counts = await store.search.counts(generation);
  const sample = await store.search.sample(generation, settings.goldenQueries);
  const golden: VerifyMeasurements['golden'] = { asked: sample.length, found: 0, tied: 0, missed: [] };
  for (const article of sample) {
    const result = await store.search.searchGeneration(generation, { q: article.title, page: 1 });
    const top = result.hits.slice(0, 3);
    if (top.some((h) => h.sourceId === article.sourceId)) golden.found++;
    // Articles whose titles hold the same phrase are told apart by nothing the query holds (the
    // synthesized corpus repeats titles): when every hit ranked above holds it too, the query did its job.
    else if (top.length === 3 && top.every((h) => h.titleMatch)) golden.tied++;
    else golden.missed.push(`${article.sourceId} ("${article.title.slice(0, 60)}")`);
  }
  const index = ginIndexOf(generation);
  const skipped = counts.documents < PLAN_CHECK_MIN_DOCUMENTS;
  const plan: VerifyMeasurements['plan'] = { asked: skipped ? 0 : sample.length, usingIndex: 0, index, example: null, skipped };
  for (const article of skipped ? [] : sample) {
    const text = await store.search.explain(generation, { q: article.title });
    if (text.includes(`"${index}"`) || text.includes(`"${headIndexOf(generation)}"`)) plan.usingIndex++;
    else plan.example ??= summarizePlan(text);
  }
  const requests = sample.map((a) => ({ q: a.title, page: 1 }));
  const live = await store.search.liveGeneration();
  let newTimes: number[] = [];
  let liveTimes: number[] | null = null;
  if (live === null || live === generation) newTimes = await store.search.timeQueries(generation, requests);
  else {
    liveTimes = [];
    // Interleaved per query, so a burst of load elsewhere hits both generations alike.
    for (const request of requests) {
      liveTimes.push(...(await store.search.timeQueries(live, [request])));
      newTimes.push(...(await store.search.timeQueries(generation, [request])));
    }
  }
  const measured: VerifyMeasurements = {
    ...counts,
    golden,
    plan,
    latency: { newP95Ms: p95(newTimes), liveP95Ms: liveTimes === null ? null : p95(liveTimes) },
  };
  return { report: judgeVerification(measured, settings), measured };
}

function p95(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
}

/** The node types of a plan, outermost first: enough to see a Seq Scan where an index was expected. */
function summarizePlan(planJson: string): string {
  const types = [...planJson.matchAll(/"Node Type":"([^"]+)"/g)].map((m) => m[1]);
  return types.join(' > ') || planJson.slice(0, 200);
}
