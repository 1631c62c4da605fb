import { z } from 'zod';

// The import's vocabulary: what a client may ask for (parsed with zod before a workflow starts),
// the counts a batch reports, the progress the `progress` query answers and the final report.

/** At most this many paths in a workflow input: bigger sources are a directory, listed into the database. */
export const MAX_SOURCE_PATHS = 1_000;

export const ImportRequest = z.object({
  /** Absolute paths of files or directories (walked for .txt, .json and .ndjson). */
  paths: z
    .array(z.string().min(1, 'expected a non-empty path').refine((p) => p.startsWith('/'), 'expected an absolute path'), 'expected a list of paths')
    .min(1, 'expected at least one path')
    .max(MAX_SOURCE_PATHS, `expected at most ${MAX_SOURCE_PATHS} paths; import their directory instead`),
  dryRun: z.boolean().default(false),
  batchSize: z.number().int().min(1).max(1_000).default(100),
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Forces continue-as-new after this many batches in one run (tests); history size decides otherwise. */
  maxBatchesPerRun: z.number().int().min(1).optional(),
  /** Continue-as-new once a run's history passes this many events: well under the 10,240 warning. */
  maxHistoryEvents: z.number().int().min(100).max(10_000).default(6_000),
});
export type ImportRequest = z.input<typeof ImportRequest>;
export type ImportSettings = z.output<typeof ImportRequest>;

export type Outcome = 'created' | 'updated' | 'unchanged' | 'rejected';

export type ImportCounts = { files: number; documents: number; created: number; updated: number; unchanged: number; rejected: number };

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
