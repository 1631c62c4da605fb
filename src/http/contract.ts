import { z } from 'zod';
import { EXPECTED, SOURCE_ID_PATTERN } from '../domain/article/index.js';
import { MAX_RELEASE_IDS } from '../domain/release/input.js';
import { Environment, RELEASE_STATUSES } from '../domain/release/model.js';
import { ReviewState } from '../domain/review.js';
import { SearchParams } from '../domain/search/query.js';

// The HTTP API's contract, one entry per endpoint: its route pattern, the zod schemas of its path
// parameters and query (the server parses every request with them before anything reaches the
// database: a value that fails is a 400 naming the parameter and the form expected) and of its
// response (the route's body must type-check against it, and the CLI's client parses every answer
// with it). Response records are loose: fields a newer worker adds pass through to `--json`.
//
// Adding an endpoint: an entry here, a route file in routes/ (or a handler in the resource's file)
// that answers through `reply(c, '<entry>', body)`, and the file's factory listed in routes/index.ts.

/** Workflow ids are chosen by clients (`--id`, the `temporal` CLI); run ids are UUIDs. Printable ASCII without space or `/`. */
export const WORKFLOW_ID_PATTERN = /^[\x21-\x2e\x30-\x7e]{1,255}$/;
const EXPECTED_WORKFLOW_ID = 'a workflow id or run id: 1 to 255 printable ASCII characters, no space or /';

/** Site slugs: the title's words and the source id (domain/content.ts articleSlug); anything else never reaches the database. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,199}$/;
const EXPECTED_SLUG = 'an article slug: 1 to 200 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit';

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
export const SlugParam = z.string().regex(SLUG_PATTERN, `expected ${EXPECTED_SLUG}`);
export const EnvironmentParam = Environment;

export const Outcome = z.enum(['created', 'updated', 'unchanged', 'rejected'], 'expected outcome as created, updated, unchanged or rejected');

const noQuery = z.strictObject({});
const count = z.number().int().min(0);
/** Timestamps travel as ISO strings (JSON has no date type). */
const timestamp = z.string();

// ---- response records --------------------------------------------------------------------------

/** Every error body: a sentence, and for a 400 the parameter and the form expected; 5xx bodies carry only the request id. */
export const ErrorBody = z.looseObject({
  error: z.string(),
  parameter: z.string().optional(),
  expected: z.string().optional(),
  requestId: z.string().optional(),
});
export type ErrorBody = z.output<typeof ErrorBody>;

const CheckResult = z.union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: z.string() })]);
export const Health = z.object({ ok: z.boolean(), temporal: CheckResult, database: CheckResult, error: z.string().optional() });

const FieldError = z.object({ field: z.string(), message: z.string() });

/** A stored article as JSON: the sanitized Article of its revision. Loose, so revisions stored by older versions still read. */
export const ArticleContent = z.looseObject({
  sourceId: z.string(),
  title: z.string(),
  lede: z.string().nullable(),
  sections: z.array(z.looseObject({ heading: z.string().nullable(), blocks: z.array(z.looseObject({ type: z.string() })) })),
  meta: z.looseObject({}),
});

export const ArticleSummary = z.looseObject({
  sourceId: z.string(),
  slug: z.string(),
  title: z.string(),
  currentRevision: z.number(),
  contentHash: z.string(),
  reviewState: ReviewState,
  updatedAt: timestamp,
});
export const ArticlePage = z.object({ total: count, articles: z.array(ArticleSummary) });
export const ArticleRevision = z.looseObject({
  revision: z.number(),
  contentHash: z.string(),
  importRun: z.string().nullable(),
  createdAt: timestamp,
  article: ArticleContent,
});
export const ArticleDetail = ArticleSummary.extend({ revisions: z.array(ArticleRevision) });

export const Rejection = z.looseObject({
  id: z.number(),
  path: z.string(),
  line: z.number(),
  sourceId: z.string().nullable(),
  sha256: z.string(),
  size: z.number(),
  errors: z.array(FieldError),
  firstRunId: z.string(),
  lastRunId: z.string(),
  lastSeenAt: timestamp,
  resolvedAt: timestamp.nullable(),
  resolvedByRun: z.string().nullable(),
  hasRaw: z.boolean(),
});
export const RejectionPage = z.object({ total: count, rejections: z.array(Rejection) });

export const ImportCounts = z.looseObject({ files: count, documents: count, created: count, updated: count, unchanged: count, rejected: count });
export const ImportReport = z.looseObject({
  importRunId: z.string(),
  workflowId: z.string(),
  status: z.enum(['completed', 'cancelled', 'failed']),
  dryRun: z.boolean(),
  total: count,
  counts: ImportCounts,
  startedAt: timestamp,
  finishedAt: timestamp,
  runs: z.number(),
});
export const ImportRun = z.looseObject({
  runId: z.string(),
  workflowId: z.string(),
  status: z.string(),
  dryRun: z.boolean(),
  total: z.number().nullable(),
  report: ImportReport.nullable(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
});
export type ImportRunRecord = z.output<typeof ImportRun>;
/** `total` arrived with the API's paging fix; an older worker's answer has only the page. */
export const ImportRunPage = z.object({ total: count.optional(), imports: z.array(ImportRun) });

export const ResultRow = z.looseObject({
  seq: z.number(),
  path: z.string(),
  line: z.number(),
  sourceId: z.string().nullable(),
  outcome: Outcome,
  changedFields: z.array(z.string()).nullable(),
  errors: z.array(FieldError).nullable(),
});
export const ResultPage = z.object({ runId: z.string(), results: z.array(ResultRow) });

/** The release an environment serves, as a site response names it. */
export const SiteRelease = z.object({ id: z.string(), tag: z.string().nullable(), manifestHash: z.string() });

/**
 * One published article. It names no release: the page is cached until that article is purged, and
 * a release that leaves it unchanged does not purge it.
 */
export const SiteArticle = z.object({
  environment: Environment,
  sourceId: z.string(),
  slug: z.string(),
  title: z.string(),
  revision: z.number(),
  contentHash: z.string(),
  article: ArticleContent,
  /** The live search generation's similar posts for this article, best first (empty before the first reindex). */
  similar: z.array(z.object({ sourceId: z.string(), slug: z.string(), title: z.string(), path: z.string() })),
});
export type SiteArticle = z.output<typeof SiteArticle>;

export const SiteIndexEntry = z.object({
  sourceId: z.string(),
  slug: z.string(),
  title: z.string(),
  revision: z.number(),
  contentHash: z.string(),
  summary: z.string().nullable(),
  /** When the published revision was stored. */
  updatedAt: timestamp,
  /** The article page's path on this server. */
  path: z.string(),
});
export const SiteIndex = z.object({ environment: Environment, release: SiteRelease, articles: z.array(SiteIndexEntry) });
export type SiteIndex = z.output<typeof SiteIndex>;

// ---- releases ----------------------------------------------------------------------------------

/** Release ids are made by the activities (rel-…, rb-…); only their shape is checked before the store is asked. */
export const RELEASE_ID_PATTERN = /^[\x21-\x2e\x30-\x7e]{1,200}$/;
const EXPECTED_RELEASE_ID = 'a release id such as rel-0123456789abcdef: 1 to 200 printable ASCII characters, no space or /';
export const ReleaseIdParam = z.string().regex(RELEASE_ID_PATTERN, `expected ${EXPECTED_RELEASE_ID}`);

/** `only=a,b,c`: the source ids a release would take, each once; absent means every approved change. */
export const OnlyParam = z
  .string()
  .transform((text) => text.split(','))
  .pipe(
    z
      .array(z.string().regex(SOURCE_ID_PATTERN, `expected only as comma-separated source ids (${EXPECTED.sourceId})`))
      .min(1)
      .max(MAX_RELEASE_IDS, `expected only as at most ${MAX_RELEASE_IDS} comma-separated source ids`)
      .refine((ids) => new Set(ids).size === ids.length, 'expected only as comma-separated source ids, each once'),
  );

const ReleaseKindSchema = z.enum(['release', 'rollback'], 'expected kind as release or rollback');
const ReleaseStatusSchema = z.enum(RELEASE_STATUSES);
const ids = z.array(z.string());

/** Counts are exact; the samples name at most a few ids of each kind. Rows written before diffs were recorded read as zero. */
export const ReleaseDiff = z.looseObject({
  added: count.default(0),
  updated: count.default(0),
  removed: count.default(0),
  sample: z.looseObject({ added: ids.default([]), updated: ids.default([]), removed: ids.default([]) }).default({ added: [], updated: [], removed: [] }),
});

export const ReleaseSummary = z.looseObject({
  id: z.string(),
  kind: ReleaseKindSchema,
  status: ReleaseStatusSchema,
  tag: z.string().nullable(),
  manifestHash: z.string(),
  baseRelease: z.string().nullable(),
  workflowId: z.string().nullable(),
  requestedBy: z.string().nullable(),
  articles: count,
  diff: ReleaseDiff,
  /** Why it ended other than live. */
  reason: z.string().nullable(),
  /** A rollback's target: the release whose content it serves again. */
  target: z.string().nullable(),
  createdAt: timestamp,
  finishedAt: timestamp.nullable(),
});
export type ReleaseSummaryRecord = z.output<typeof ReleaseSummary>;

export const EnvironmentState = z.looseObject({
  name: Environment,
  releaseId: z.string().nullable(),
  tag: z.string().nullable(),
  manifestHash: z.string().nullable(),
  updatedAt: timestamp,
});

/** Who holds the release lock: the workflow running a release or rollback now. */
export const ReleaseLockHolder = z.looseObject({ holder: z.string(), releaseId: z.string().nullable(), takenAt: timestamp });

export const ReleasePage = z.object({
  total: count,
  releases: z.array(ReleaseSummary),
  /** The release each environment serves now. */
  environments: z.array(EnvironmentState),
  /** The release or rollback running now, or null. */
  running: ReleaseLockHolder.nullable(),
});

const CheckExample = z.looseObject({ sourceId: z.string(), message: z.string() });
export const ReleaseCheckResult = z.looseObject({
  check: z.string(),
  severity: z.enum(['blocking', 'warning']),
  passed: z.boolean(),
  failures: count,
  examples: z.array(CheckExample),
});
export const ReleaseChecks = z.looseObject({ passed: z.boolean(), results: z.array(ReleaseCheckResult) });

export const AuditEntry = z.looseObject({
  id: z.number(),
  at: timestamp,
  actor: z.string(),
  action: z.string(),
  environment: Environment,
  from: z.string().nullable(),
  to: z.string().nullable(),
  fromHash: z.string().nullable(),
  toHash: z.string().nullable(),
  workflowId: z.string().nullable(),
  reason: z.string().nullable(),
});
export const AuditPage = z.object({ total: count, entries: z.array(AuditEntry) });

export const ManifestEntry = z.looseObject({ sourceId: z.string(), revision: z.number(), slug: z.string(), title: z.string(), contentHash: z.string() });

export const ReleaseDetail = ReleaseSummary.extend({
  checks: ReleaseChecks.nullable(),
  changelog: z.string().nullable(),
  decision: z.looseObject({ by: z.string(), reason: z.string(), at: timestamp }).nullable(),
  /** The environments serving it now. */
  liveIn: z.array(Environment),
  /** A page of its manifest, in source id order. */
  items: z.object({ total: count, limit: count, offset: count, entries: z.array(ManifestEntry) }),
  /** Every pointer move into or out of it, oldest first. */
  audit: z.array(AuditEntry),
});
export type ReleaseDetailRecord = z.output<typeof ReleaseDetail>;

/** What a release started now would build: its id names the workflow (release-<id>), so a second start attaches. */
export const ReleaseCandidate = z.looseObject({
  releaseId: z.string(),
  manifestHash: z.string(),
  baseRelease: z.string().nullable(),
  articles: count,
});
export type ReleaseCandidateRecord = z.output<typeof ReleaseCandidate>;

// ---- search ------------------------------------------------------------------------------------

export const SearchHit = z.looseObject({
  sourceId: z.string(),
  slug: z.string(),
  title: z.string(),
  summary: z.string().nullable(),
  /** HTML: the passage escaped, the matched words in <mark>…</mark>. */
  snippet: z.string(),
  score: z.number(),
  titleMatch: z.boolean(),
  quality: z.number().nullable(),
  lastReviewed: z.string().nullable(),
  difficulty: z.string().nullable(),
  tools: z.array(z.string()),
  stack: z.array(z.string()),
  /** The article page in production. */
  path: z.string(),
});
export const SearchResults = z.looseObject({
  generation: z.number(),
  query: z.string(),
  page: z.number(),
  pageSize: z.number(),
  total: count,
  /** True when more matched than are ranked (SEARCH_CANDIDATES): `total` is then a lower bound. */
  capped: z.boolean(),
  hits: z.array(SearchHit),
  /** True when the worker answered from its memory of the same search on the same generation and watermark. */
  cached: z.boolean().optional(),
});
export type SearchResults = z.output<typeof SearchResults>;

export const SearchGeneration = z.looseObject({
  id: z.number(),
  status: z.enum(['building', 'live', 'kept', 'failed', 'dropped']),
  workflowId: z.string(),
  watermark: z.looseObject({ releaseId: z.string().nullable(), auditId: z.number() }),
  documents: count,
  failed: count,
  report: z.unknown(),
  createdAt: timestamp,
  finishedAt: timestamp.nullable(),
  swappedAt: timestamp.nullable(),
  live: z.boolean(),
});
export type SearchGenerationRecord = z.output<typeof SearchGeneration>;
export const SearchGenerations = z.object({ live: z.number().nullable(), generations: z.array(SearchGeneration) });

// ---- endpoints ---------------------------------------------------------------------------------

const envParams = z.object({ env: EnvironmentParam });
/**
 * The environment segment constrained in the route itself, so `/articles/` or `/nope/` is an unknown path (404), not a bad
 * environment. The group matters: hono's RegExpRouter splices the pattern into one big regex, where a bare `a|b` splits the route.
 */
const ENV = `:env{(?:${Environment.options.join('|')})}`;

/** Each endpoint: its route (hono's pattern syntax), path parameters, query and response. Unknown query parameters are refused. */
export const contract = {
  health: { path: '/health', params: z.object({}), query: noQuery, response: Health },
  /** Prometheus exposition text. */
  metrics: { path: '/metrics', params: z.object({}), query: noQuery, response: z.string() },
  listArticles: {
    path: '/articles',
    params: z.object({}),
    query: z.strictObject({ ...paging(1_000), reviewState: z.enum(ReviewState.options, 'expected reviewState as pending, approved or rejected').optional() }),
    response: ArticlePage,
  },
  getArticle: { path: '/articles/:sourceId', params: z.object({ sourceId: SourceIdParam }), query: noQuery, response: ArticleDetail },
  listRejections: {
    path: '/rejections',
    params: z.object({}),
    query: z.strictObject({ ...paging(1_000), all: bool('all').default(false) }),
    response: RejectionPage,
  },
  listImports: { path: '/imports', params: z.object({}), query: z.strictObject(paging(200)), response: ImportRunPage },
  getImport: { path: '/imports/:id', params: z.object({ id: WorkflowIdParam }), query: noQuery, response: ImportRun },
  importResults: {
    path: '/imports/:id/results',
    params: z.object({ id: WorkflowIdParam }),
    query: z.strictObject({ ...paging(10_000), outcome: Outcome.optional() }),
    response: ResultPage,
  },
  /** JSON, or an HTML page when the client's Accept prefers text/html. */
  siteArticle: { path: `/${ENV}/articles/:slug`, params: envParams.extend({ slug: SlugParam }), query: noQuery, response: SiteArticle },
  /** JSON, or an HTML page when the client's Accept prefers text/html. */
  siteIndex: { path: `/${ENV}/`, params: envParams, query: noQuery, response: SiteIndex },
  /** A sitemaps.org XML document. */
  sitemap: { path: `/${ENV}/sitemap.xml`, params: envParams, query: noQuery, response: z.string() },
  /** The release history, newest first, with the release each environment serves and the one running now. */
  listReleases: {
    path: '/releases',
    params: z.object({}),
    query: z.strictObject({ ...paging(200, 20), kind: ReleaseKindSchema.optional() }),
    response: ReleasePage,
  },
  /**
   * What `pressroom release` would build now, writing nothing. 409 when nothing would change (the body says
   * why); 400 naming every id of `only` that is unknown or not approved.
   */
  releaseCandidate: {
    path: '/releases/candidate',
    params: z.object({}),
    query: z.strictObject({ only: OnlyParam.optional() }),
    response: ReleaseCandidate,
  },
  /** One release: summary, checks, changelog, decision, audit entries and a page of its manifest. */
  getRelease: {
    path: '/releases/:id',
    params: z.object({ id: ReleaseIdParam }),
    query: z.strictObject(paging(1_000, 100)),
    response: ReleaseDetail,
  },
  /**
   * Full-text search of what production serves, through the live generation: JSON, or an HTML results
   * page when Accept prefers text/html. 503 before the first reindex.
   */
  search: { path: '/search', params: z.object({}), query: SearchParams, response: SearchResults },
  /** Every search generation, newest first, and which one is live. */
  searchGenerations: { path: '/search/generations', params: z.object({}), query: noQuery, response: SearchGenerations },
  /** Every environment pointer move (stage, promote, rollback, compensate), newest first. */
  listAudit: {
    path: '/audit',
    params: z.object({}),
    query: z.strictObject({ ...paging(1_000, 100), environment: z.enum(Environment.options, 'expected environment as staging or production').optional() }),
    response: AuditPage,
  },
} as const;

export type Contract = typeof contract;
export type Endpoint = keyof Contract;
export type ResponseOf<E extends Endpoint> = z.output<Contract[E]['response']>;
/** What a route may send: the response schema's input side, so a store type that drifts from the contract fails to compile. */
export type ReplyOf<E extends Endpoint> = z.input<Contract[E]['response']>;

/** The path of an endpoint with its parameters filled in (percent-encoded), e.g. pathOf('getImport', { id }) is `/imports/<id>`. */
export function pathOf<E extends Endpoint>(endpoint: E, params: z.input<Contract[E]['params']>): string {
  const values = params as Record<string, string>;
  return contract[endpoint].path.replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`pathOf(${endpoint}): missing parameter ${name}`);
    return encodeURIComponent(value);
  });
}
