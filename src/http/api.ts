import type { z } from 'zod';
import type { Store } from '../store/index.js';
import type { RunRow } from '../store/imports.js';
import { contract } from './contract.js';
import { BadRequestError, quote, type HttpLogger, type Route } from './server.js';

// The read API the CLI uses. Only the worker's process opens the database (PGlite allows one), so
// `pressroom articles`, `rejections` and import reports all come through here. Every parameter is
// parsed by its contract schema before the store sees it.

/** How Temporal sees a workflow run, following continue-as-new to the run that ended the chain. */
export type WorkflowState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'unknown';
export type WorkflowStatusLookup = (workflowId: string, runId: string) => Promise<{ state: WorkflowState; closedAt?: Date | undefined }>;

export type ApiDeps = {
  /** Reconciles runs whose workflow ended without reporting (terminated through Temporal, timed out). */
  workflowStatus?: WorkflowStatusLookup;
  logger?: HttpLogger;
};

/** States a `running` row is corrected to: the workflow ended without its report landing. */
const ENDED_WITHOUT_REPORT: ReadonlySet<WorkflowState> = new Set(['terminated', 'timed_out', 'failed', 'cancelled']);
const LOOKUP_TIMEOUT_MS = 3_000;

/** Turns zod's issues into one 400 naming the first bad parameter, what was expected and what was given. */
function refuse(error: z.ZodError, given: Record<string, string>, where: 'query' | 'path'): BadRequestError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const name = issue.keys[0] ?? '?';
    return new BadRequestError(`unknown ${where} parameter ${quote(name)}`, name, 'only the parameters this endpoint documents');
  }
  const name = String(issue?.path[0] ?? where);
  const value = given[name];
  const expected = (issue?.message ?? 'a valid value').replace(/^expected /, '');
  return new BadRequestError(`${name}: expected ${expected}, got ${value === undefined ? 'nothing' : quote(value)}`, name, expected);
}

export function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const given: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of query) {
    if (key in given) throw new BadRequestError(`query parameter ${quote(key)} given more than once`, key, 'one value');
    given[key] = value;
  }
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw refuse(parsed.error, given, 'query');
  return parsed.data;
}

export function parseParams<S extends z.ZodType>(schema: S, given: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw refuse(parsed.error, given, 'path');
  return parsed.data;
}

export function apiRoutes(store: Pick<Store, 'articles' | 'imports'>, deps: ApiDeps = {}): Route[] {
  const reconcile = async (run: RunRow): Promise<RunRow> => {
    if (run.status !== 'running' || !deps.workflowStatus) return run;
    let timer: NodeJS.Timeout | undefined;
    try {
      const seen = await Promise.race([
        deps.workflowStatus(run.workflowId, run.runId),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Temporal did not answer within ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS);
        }),
      ]);
      if (!ENDED_WITHOUT_REPORT.has(seen.state)) return run;
      const state = seen.state as 'terminated' | 'timed_out' | 'failed' | 'cancelled';
      if (await store.imports.markRunEnded(run.runId, state, seen.closedAt))
        return { ...run, status: state, finishedAt: (seen.closedAt ?? new Date()).toISOString() };
      return (await store.imports.getRun(run.runId)) ?? run;
    } catch (error) {
      // Reading must not fail because Temporal is away: the row is shown as stored, and the next read tries again.
      deps.logger?.warn('could not reconcile an import run with Temporal', {
        runId: run.runId,
        workflowId: run.workflowId,
        error: error instanceof Error ? error.message : String(error),
      });
      return run;
    } finally {
      clearTimeout(timer);
    }
  };

  return [
    {
      method: 'GET',
      pattern: /^\/articles$/,
      async handle({ query }) {
        const q = parseQuery(contract.listArticles.query, query);
        return { status: 200, body: await store.articles.list({ limit: q.limit, offset: q.offset, ...(q.reviewState ? { reviewState: q.reviewState } : {}) }) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/articles\/([^/]+)$/,
      async handle({ params, query }) {
        const { sourceId } = parseParams(contract.getArticle.params, { sourceId: params[0] ?? '' });
        parseQuery(contract.getArticle.query, query);
        const article = await store.articles.get(sourceId);
        return article ? { status: 200, body: article } : { status: 404, body: { error: `no article with source id "${sourceId}"` } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/rejections$/,
      async handle({ query }) {
        const q = parseQuery(contract.listRejections.query, query);
        return { status: 200, body: await store.imports.rejections({ limit: q.limit, offset: q.offset, includeResolved: q.all }) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/imports$/,
      async handle({ query }) {
        const q = parseQuery(contract.listImports.query, query);
        const [runs, total] = await Promise.all([store.imports.listRuns(q.limit, q.offset), store.imports.countRuns()]);
        return { status: 200, body: { total, imports: await Promise.all(runs.map(reconcile)) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/imports\/([^/]+)$/,
      async handle({ params, query }) {
        const { id } = parseParams(contract.getImport.params, { id: params[0] ?? '' });
        parseQuery(contract.getImport.query, query);
        const run = await store.imports.getRun(id);
        return run ? { status: 200, body: await reconcile(run) } : { status: 404, body: { error: `no import run or workflow "${id}"` } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/imports\/([^/]+)\/results$/,
      async handle({ params, query }) {
        const { id } = parseParams(contract.importResults.params, { id: params[0] ?? '' });
        const q = parseQuery(contract.importResults.query, query);
        const run = await store.imports.getRun(id);
        if (!run) return { status: 404, body: { error: `no import run or workflow "${id}"` } };
        const results = await store.imports.results(run.runId, { limit: q.limit, offset: q.offset, ...(q.outcome ? { outcome: q.outcome } : {}) });
        return { status: 200, body: { runId: run.runId, results } };
      },
    },
  ];
}
