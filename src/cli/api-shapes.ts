import { z } from 'zod';

// The shapes of the worker's API answers the CLI prints from. Loose objects: the CLI checks the
// fields it reads and passes the rest through to --json untouched.

const FieldError = z.object({ field: z.string(), message: z.string() });

export const ArticleSummary = z.looseObject({ sourceId: z.string(), title: z.string(), currentRevision: z.number(), reviewState: z.string() });
export const ArticlePage = z.object({ total: z.number(), articles: z.array(ArticleSummary) });
export const ArticleDetail = ArticleSummary.extend({
  slug: z.string(),
  revisions: z.array(z.looseObject({ revision: z.number(), contentHash: z.string(), createdAt: z.unknown(), importRun: z.string().nullable() })),
});

export const Rejection = z.looseObject({
  path: z.string(),
  line: z.number().nullable().optional(),
  sourceId: z.string().nullable(),
  errors: z.array(FieldError),
  resolvedAt: z.unknown().optional(),
});
export const RejectionPage = z.object({ total: z.number(), rejections: z.array(Rejection) });

export const ImportCounts = z.looseObject({
  files: z.number(),
  documents: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
});
export const ImportReport = z.looseObject({
  importRunId: z.string(),
  workflowId: z.string(),
  status: z.enum(['completed', 'cancelled', 'failed']),
  dryRun: z.boolean(),
  total: z.number(),
  counts: ImportCounts,
  startedAt: z.string(),
  finishedAt: z.string(),
  runs: z.number(),
});
export const ImportRun = z.looseObject({
  runId: z.string(),
  workflowId: z.string(),
  status: z.string(),
  dryRun: z.boolean().optional(),
  total: z.number().nullable().optional(),
  report: ImportReport.nullable(),
  startedAt: z.unknown(),
  finishedAt: z.unknown().optional(),
});
export type ImportRunRecord = z.output<typeof ImportRun>;

/** `total` arrived with the API's paging fix; an older worker's answer has only the page. */
export const ImportRunPage = z.object({ total: z.number().optional(), imports: z.array(ImportRun) });

export const ResultRow = z.looseObject({
  path: z.string(),
  line: z.number().nullable().optional(),
  sourceId: z.string().nullable(),
  outcome: z.enum(['created', 'updated', 'unchanged', 'rejected']),
  changedFields: z.array(z.string()).nullable().optional(),
  errors: z.array(FieldError).nullable().optional(),
});
export const ResultPage = z.object({ runId: z.string(), results: z.array(ResultRow) });
