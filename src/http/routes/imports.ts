import { Hono } from 'hono';
import type { Store } from '../../store/index.js';
import type { RunRow } from '../../store/imports.js';
import { contract } from '../contract.js';
import { notFound, parseRequest, reply, type AppEnv, type HttpLogger } from '../context.js';

// GET /imports, /imports/:id and /imports/:id/results: recorded import runs and their per-document
// results, for `pressroom imports` and `pressroom import status`.

/** How Temporal sees a workflow run, following continue-as-new to the run that ended the chain. */
export type WorkflowState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'unknown';
export type WorkflowStatusLookup = (workflowId: string, runId: string) => Promise<{ state: WorkflowState; closedAt?: Date | undefined }>;

export type ImportRouteDeps = {
  /** Reconciles runs whose workflow ended without reporting (terminated through Temporal, timed out). */
  workflowStatus?: WorkflowStatusLookup | undefined;
  logger?: HttpLogger | undefined;
};

type ImportReads = Pick<Store['imports'], 'listRuns' | 'countRuns' | 'getRun' | 'markRunEnded' | 'results'>;

/** States a `running` row is corrected to: the workflow ended without its report landing. */
const ENDED_WITHOUT_REPORT: ReadonlySet<WorkflowState> = new Set(['terminated', 'timed_out', 'failed', 'cancelled']);
const LOOKUP_TIMEOUT_MS = 3_000;

export function importRoutes(imports: ImportReads, deps: ImportRouteDeps = {}): Hono<AppEnv> {
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
      if (await imports.markRunEnded(run.runId, state, seen.closedAt))
        return { ...run, status: state, finishedAt: (seen.closedAt ?? new Date()).toISOString() };
      return (await imports.getRun(run.runId)) ?? run;
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

  return new Hono<AppEnv>()
    .get(contract.listImports.path, async (c) => {
      const { query } = parseRequest(c, 'listImports');
      const [runs, total] = await Promise.all([imports.listRuns(query.limit, query.offset), imports.countRuns()]);
      return reply(c, 'listImports', { total, imports: await Promise.all(runs.map(reconcile)) });
    })
    .get(contract.getImport.path, async (c) => {
      const { params } = parseRequest(c, 'getImport');
      const run = await imports.getRun(params.id);
      return run ? reply(c, 'getImport', await reconcile(run)) : notFound(c, `no import run or workflow "${params.id}"`);
    })
    .get(contract.importResults.path, async (c) => {
      const { params, query } = parseRequest(c, 'importResults');
      const run = await imports.getRun(params.id);
      if (!run) return notFound(c, `no import run or workflow "${params.id}"`);
      const results = await imports.results(run.runId, { limit: query.limit, offset: query.offset, ...(query.outcome ? { outcome: query.outcome } : {}) });
      return reply(c, 'importResults', { runId: run.runId, results });
    });
}
