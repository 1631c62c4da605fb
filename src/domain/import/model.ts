import { z } from 'zod';

// The import's vocabulary: what a client may ask for (ImportRequest, with defaults), what the workflow
// accepts (ImportWorkflowInput, no defaults), the counts a batch reports, the progress the `progress`
// query answers and the final report.

/** At most this many paths in a workflow input: bigger sources are a directory, listed into the database. */
export const MAX_SOURCE_PATHS = 1_000;

const paths = z
  .array(
    z
      .string()
      .min(1, 'expected a non-empty path')
      .refine((p) => p.startsWith('/'), 'expected an absolute path'),
    'expected a list of paths',
  )
  .min(1, 'expected at least one path')
  .max(MAX_SOURCE_PATHS, `expected at most ${MAX_SOURCE_PATHS} paths; import their directory instead`);
const dryRun = z.boolean('expected true or false');
const batchSize = z.number('expected a whole number').int('expected a whole number').min(1, 'expected 1 to 1000').max(1_000, 'expected 1 to 1000');
const concurrency = z.number('expected a whole number').int('expected a whole number').min(1, 'expected 1 to 64').max(64, 'expected 1 to 64');
/** Continue-as-new once a run's history passes this many events: well under the 10,240 warning. */
const maxHistoryEvents = z
  .number('expected a whole number')
  .int('expected a whole number')
  .min(100, 'expected 100 to 10000')
  .max(10_000, 'expected 100 to 10000');
/** Forces continue-as-new after this many batches in one run (tests); absent means no limit. */
const maxBatchesPerRun = z.number('expected a whole number').int('expected a whole number').min(1, 'expected 1 or more');

const count = z.number().int().min(0);
export const ImportCounts = z.strictObject({ files: count, documents: count, created: count, updated: count, unchanged: count, rejected: count });

/** What one run hands the next through continue-as-new: a cursor and counts, never the manifest. */
export const ImportCarry = z.strictObject({
  importRunId: z.string().min(1),
  total: count,
  cursor: count,
  counts: ImportCounts,
  startedAt: z.string().min(1),
  runs: z.number().int().min(1),
});
export type ImportCarry = z.infer<typeof ImportCarry>;

/**
 * importWorkflow's input, exactly as it travels in history. No defaults: the client fills them in
 * (ImportRequest), so changing a default never changes what a running workflow replays.
 */
export const ImportWorkflowInput = z.strictObject({
  /** Absolute paths of files or directories (walked for .txt, .json and .ndjson). */
  paths,
  dryRun,
  batchSize,
  concurrency,
  maxHistoryEvents,
  maxBatchesPerRun: maxBatchesPerRun.optional(),
  /** Set only by the workflow itself when it continues as new. */
  carry: ImportCarry.optional(),
});
export type ImportWorkflowInput = z.infer<typeof ImportWorkflowInput>;

/** Defaults applied by the client before it starts an import (`pressroom import`, the dev sample). */
export const IMPORT_DEFAULTS = { dryRun: false, batchSize: 500, concurrency: 4, maxHistoryEvents: 6_000 } as const;

/** What a client asks for: the workflow input without the carry, defaults filled in by `parse`. */
export const ImportRequest = z.strictObject({
  paths,
  dryRun: dryRun.default(IMPORT_DEFAULTS.dryRun),
  batchSize: batchSize.default(IMPORT_DEFAULTS.batchSize),
  concurrency: concurrency.default(IMPORT_DEFAULTS.concurrency),
  maxHistoryEvents: maxHistoryEvents.default(IMPORT_DEFAULTS.maxHistoryEvents),
  maxBatchesPerRun: maxBatchesPerRun.optional(),
});
export type ImportRequest = z.input<typeof ImportRequest>;

export type Outcome = 'created' | 'updated' | 'unchanged' | 'rejected';

export type ImportCounts = z.infer<typeof ImportCounts>;

export const ZERO_COUNTS: ImportCounts = { files: 0, documents: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };

export function addCounts(a: ImportCounts, b: ImportCounts): ImportCounts {
  return {
    files: a.files + b.files,
    documents: a.documents + b.documents,
    created: a.created + b.created,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    rejected: a.rejected + b.rejected,
  };
}

export function countOutcome(counts: ImportCounts, outcome: Outcome): ImportCounts {
  return { ...counts, documents: counts.documents + 1, [outcome]: counts[outcome] + 1 };
}

export type ImportPhase = 'listing' | 'importing' | 'finishing' | 'completed' | 'cancelled' | 'failed';

/** What the `progress` query answers. `total` and `processed` count files; the outcomes count documents. */
export type ImportProgress = {
  phase: ImportPhase;
  dryRun: boolean;
  total: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  documents: number;
  batchesInFlight: number;
  runs: number;
};

export type ImportStatus = 'completed' | 'cancelled' | 'failed';

export type ImportReport = {
  importRunId: string;
  workflowId: string;
  status: ImportStatus;
  dryRun: boolean;
  total: number;
  counts: ImportCounts;
  startedAt: string;
  finishedAt: string;
  runs: number;
};

/** The batches of a manifest of `total` items, as half-open [from, to) ranges. */
export function batchRanges(total: number, batchSize: number, from = 0): Array<{ from: number; to: number }> {
  const ranges: Array<{ from: number; to: number }> = [];
  for (let start = from; start < total; start += batchSize) ranges.push({ from: start, to: Math.min(start + batchSize, total) });
  return ranges;
}
