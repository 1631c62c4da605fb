import { z } from 'zod';
import { EXPECTED, SOURCE_ID_PATTERN } from '../domain/article/index.js';
import { ReviewState } from '../domain/review.js';

// The HTTP API's inputs, one zod schema per endpoint: the server parses every path parameter and query
// with these before anything reaches the database, and the CLI's client can build its requests from
// the same definitions. A value that fails here is a 400 naming the parameter and the form expected.

/** Workflow ids are chosen by clients (`--id`, the `temporal` CLI); run ids are UUIDs. Printable ASCII without space or `/`. */
export const WORKFLOW_ID_PATTERN = /^[\x21-\x2e\x30-\x7e]{1,255}$/;
const EXPECTED_WORKFLOW_ID = 'a workflow id or run id: 1 to 255 printable ASCII characters, no space or /';

/** Offsets beyond this are a typo, not a page: PostgreSQL would refuse some and scan to the end for the rest. */
export const MAX_OFFSET = 2_147_483_647;

const wholeNumber = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `expected ${name} as a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `expected ${name} from ${min} to ${max}`).max(max, `expected ${name} from ${min} to ${max}`))
    .default(fallback);

const paging = (maxLimit: number, defaultLimit = 100) => ({
  limit: wholeNumber('limit', 1, maxLimit, Math.min(defaultLimit, maxLimit)),
  offset: wholeNumber('offset', 0, MAX_OFFSET, 0),
});

const bool = (name: string) => z.enum(['true', 'false'], `expected ${name} as true or false`).transform((v) => v === 'true');

export const SourceIdParam = z.string().regex(SOURCE_ID_PATTERN, `expected ${EXPECTED.sourceId}`);
export const WorkflowIdParam = z.string().regex(WORKFLOW_ID_PATTERN, `expected ${EXPECTED_WORKFLOW_ID}`);

export const Outcome = z.enum(['created', 'updated', 'unchanged', 'rejected'], 'expected outcome as created, updated, unchanged or rejected');

/** Each endpoint: the schema of its path parameters and of its query. Unknown query parameters are refused. */
export const contract = {
  health: { query: z.strictObject({}) },
  metrics: { query: z.strictObject({}) },
  listArticles: {
    query: z.strictObject({ ...paging(1_000), reviewState: z.enum(ReviewState.options, 'expected reviewState as pending, approved or rejected').optional() }),
  },
  getArticle: { params: z.object({ sourceId: SourceIdParam }), query: z.strictObject({}) },
  listRejections: { query: z.strictObject({ ...paging(1_000), all: bool('all').default(false) }) },
  listImports: { query: z.strictObject(paging(200)) },
  getImport: { params: z.object({ id: WorkflowIdParam }), query: z.strictObject({}) },
  importResults: { params: z.object({ id: WorkflowIdParam }), query: z.strictObject({ ...paging(10_000), outcome: Outcome.optional() }) },
} as const;
