import { z } from 'zod';
import { ReleaseId } from '../release/input.js';

// What reindexWorkflow accepts (exactly as it travels in history: no defaults, the client fills them
// in), what its `progress` query answers and what it reports.

const person = z.string('expected the name of who asked').trim().min(1, 'expected a non-empty name').max(200, 'expected at most 200 characters');

/** How a full reindex is judged before its swap; the client's defaults are in DEFAULT_VERIFY. */
export const VerifySettings = z.strictObject({
  /** Articles whose title is searched (the golden queries). */
  goldenQueries: z.number('expected a number of golden queries').int('expected a whole number').min(1, 'expected 1 to 500').max(500, 'expected 1 to 500'),
  /** The new generation's p95 over the golden queries may be at most this many times the live one's. */
  latencyFactor: z.number('expected a factor').min(1, 'expected a factor from 1 to 100').max(100, 'expected a factor from 1 to 100'),
  /** A p95 difference below this many milliseconds passes whatever the factor: sub-millisecond timings are mostly noise. */
  latencyGraceMs: z.number('expected milliseconds').min(0, 'expected 0 to 1000 ms').max(1_000, 'expected 0 to 1000 ms'),
});
export type VerifySettings = z.infer<typeof VerifySettings>;

export const DEFAULT_VERIFY: VerifySettings = { goldenQueries: 30, latencyFactor: 1.2, latencyGraceMs: 5 };
/** Generations kept besides the live one, for rollback; older ones are dropped after a swap. */
export const KEPT_GENERATIONS = 2;
/** Batches one fill activity writes before it reports back (the workflow's progress moves between calls). */
export const FILL_BATCHES_PER_CALL = 10;
/** Documents written per statement while filling a generation. */
export const DEFAULT_REINDEX_BATCH = 2_000;

export const ReindexWorkflowInput = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({
      mode: z.literal('full'),
      requestedBy: person,
      batchSize: z.number('expected a batch size').int('expected a whole number').min(1, 'expected 1 to 50000').max(50_000, 'expected 1 to 50000'),
      verify: VerifySettings,
    }),
    z.strictObject({
      mode: z.literal('incremental'),
      requestedBy: person,
      /** The release whose promotion asked for it, or null when an operator did. */
      trigger: ReleaseId.nullable(),
    }),
    z.strictObject({ mode: z.literal('rollback'), requestedBy: person }),
  ],
  { error: () => 'expected mode as full, incremental or rollback' },
);
export type ReindexWorkflowInput = z.infer<typeof ReindexWorkflowInput>;

export type ReindexStep =
  'starting' | 'filling' | 'indexing' | 'similar' | 'catching-up' | 'verifying' | 'swapping' | 'pruning' | 'done' | 'failed' | 'applying' | 'rolling-back';

export type ReindexProgress = {
  mode: ReindexWorkflowInput['mode'];
  step: ReindexStep;
  generation: number | null;
  /** Articles in the generation so far, and how many production has. */
  done: number;
  total: number;
  failed: number;
  startedAt: string;
  updatedAt: string;
};

/** One verification check: what was expected, what was found, and whether that passes. */
export type VerifyCheck = { name: 'count' | 'golden' | 'failures' | 'plan' | 'latency'; passed: boolean; expected: string; actual: string };
export type VerifyReport = { passed: boolean; checks: VerifyCheck[] };

/** Where a generation was built from: production's release and the audit entry of its last pointer move. */
export type Watermark = { releaseId: string | null; auditId: number };

export type ReindexReport = {
  mode: ReindexWorkflowInput['mode'];
  workflowId: string;
  requestedBy: string;
  /** The generation built (full), updated (incremental) or made live again (rollback). */
  generation: number | null;
  /** The generation live before, when the alias moved. */
  previous: number | null;
  swapped: boolean;
  documents: number;
  failed: number;
  similar: number;
  /** Articles written, and removed, after the watermark (catch-up) or since the last one (incremental). */
  caughtUp: { upserted: number; removed: number };
  watermark: Watermark | null;
  verification: VerifyReport | null;
  dropped: number[];
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  timingsMs: Record<string, number>;
};

/** Measurements verification judges; the store takes them, judgeVerification decides. */
export type VerifyMeasurements = {
  documents: number;
  productionArticles: number;
  failed: number;
  golden: { asked: number; found: number; tied: number; missed: string[] };
  /** skipped: the generation is smaller than PLAN_CHECK_MIN_DOCUMENTS, where a sequential scan is the right plan. */
  plan: { asked: number; usingIndex: number; index: string; example: string | null; skipped: boolean };
  latency: { newP95Ms: number; liveP95Ms: number | null };
};

/** Below this many documents PostgreSQL rightly reads the whole table rather than the index: the plan check is skipped. */
export const PLAN_CHECK_MIN_DOCUMENTS = 5_000;

const ms = (n: number) => `${n.toFixed(2)} ms`;

/** Each check, passed or not, with by how much: the report says which check failed and what it measured. */
export function judgeVerification(m: VerifyMeasurements, settings: VerifySettings): VerifyReport {
  const checks: VerifyCheck[] = [];
  checks.push({
    name: 'count',
    passed: m.documents === m.productionArticles,
    expected: `${m.productionArticles} documents (production's articles)`,
    actual: `${m.documents} documents${m.documents === m.productionArticles ? '' : ` (${m.documents - m.productionArticles > 0 ? '+' : ''}${m.documents - m.productionArticles})`}`,
  });
  checks.push({
    name: 'golden',
    passed: m.golden.found + m.golden.tied === m.golden.asked,
    expected: `each of ${m.golden.asked} sampled titles finds its article in the top 3`,
    actual:
      `${m.golden.found + m.golden.tied} of ${m.golden.asked} found (${m.golden.tied} behind other titles holding the same phrase)` +
      (m.golden.missed.length > 0 ? `; missed: ${m.golden.missed.slice(0, 5).join(', ')}` : ''),
  });
  checks.push({ name: 'failures', passed: m.failed === 0, expected: 'no document failed', actual: `${m.failed} failed` });
  checks.push(
    m.plan.skipped
      ? {
          name: 'plan',
          passed: true,
          expected: `every golden query's plan uses ${m.plan.index} (checked from ${PLAN_CHECK_MIN_DOCUMENTS} documents on)`,
          actual: `not checked: ${m.documents} documents, where a sequential scan is the cheaper plan`,
        }
      : {
          name: 'plan',
          passed: m.plan.usingIndex === m.plan.asked,
          expected: `every golden query's plan uses ${m.plan.index}`,
          actual: `${m.plan.usingIndex} of ${m.plan.asked}${m.plan.example ? ` (one plan: ${m.plan.example})` : ''}`,
        },
  );
  const { newP95Ms, liveP95Ms } = m.latency;
  const latencyOk = liveP95Ms === null || newP95Ms <= liveP95Ms * settings.latencyFactor || newP95Ms - liveP95Ms <= settings.latencyGraceMs;
  checks.push({
    name: 'latency',
    passed: latencyOk,
    expected:
      liveP95Ms === null
        ? 'nothing to compare with (no live generation)'
        : `p95 ≤ ${settings.latencyFactor}× the live generation's ${ms(liveP95Ms)} (or within ${settings.latencyGraceMs} ms of it)`,
    actual: `p95 ${ms(newP95Ms)}${liveP95Ms === null || liveP95Ms === 0 ? '' : ` (${(newP95Ms / liveP95Ms).toFixed(2)}×)`}`,
  });
  return { passed: checks.every((c) => c.passed), checks };
}

/** One line per failed check: the workflow's failure message. */
export function failedChecks(report: VerifyReport): string {
  return report.checks
    .filter((c) => !c.passed)
    .map((c) => `${c.name}: expected ${c.expected}, got ${c.actual}`)
    .join('; ');
}
