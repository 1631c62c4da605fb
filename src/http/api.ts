import { ReviewState } from '../domain/review.js';
import type { Outcome } from '../domain/import/index.js';
import type { Store } from '../store/index.js';
import type { Reply, Route } from './server.js';

// The read API the CLI uses. Only the worker's process opens the database (PGlite allows one), so
// `pressroom articles`, `rejections` and import reports all come through here.

const OUTCOMES: ReadonlySet<string> = new Set(['created', 'updated', 'unchanged', 'rejected']);

function page(url: URL, max = 1_000): { limit: number; offset: number } | Reply {
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) return { status: 400, body: { error: `limit must be a whole number from 1 to ${max}, got "${url.searchParams.get('limit')}"` } };
  if (!Number.isInteger(offset) || offset < 0) return { status: 400, body: { error: `offset must be a whole number >= 0, got "${url.searchParams.get('offset')}"` } };
  return { limit, offset };
}

const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null && 'status' in value;

export function apiRoutes(store: Pick<Store, 'articles' | 'imports'>): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/articles$/,
      async handle(_params, url) {
        const p = page(url);
        if (isReply(p)) return p;
        const state = url.searchParams.get('reviewState');
        const reviewState = state === null ? undefined : ReviewState.safeParse(state);
        if (reviewState && !reviewState.success) return { status: 400, body: { error: `reviewState must be pending, approved or rejected, got "${state}"` } };
        return { status: 200, body: await store.articles.list({ ...p, ...(reviewState?.success ? { reviewState: reviewState.data } : {}) }) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/articles\/([^/]+)$/,
      async handle([id = '']) {
        const article = await store.articles.get(id);
        return article ? { status: 200, body: article } : { status: 404, body: { error: `no article with source id "${id}"` } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/rejections$/,
      async handle(_params, url) {
        const p = page(url);
        if (isReply(p)) return p;
        return { status: 200, body: await store.imports.rejections({ ...p, includeResolved: url.searchParams.get('all') === 'true' }) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/imports$/,
      async handle(_params, url) {
        const p = page(url, 200);
        if (isReply(p)) return p;
        return { status: 200, body: { imports: await store.imports.listRuns(p.limit) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/imports\/([^/]+)$/,
      async handle([id = '']) {
        const run = await store.imports.getRun(id);
        return run ? { status: 200, body: run } : { status: 404, body: { error: `no import run or workflow "${id}"` } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/imports\/([^/]+)\/results$/,
      async handle([id = ''], url) {
        const p = page(url, 10_000);
        if (isReply(p)) return p;
        const outcome = url.searchParams.get('outcome');
        if (outcome !== null && !OUTCOMES.has(outcome)) return { status: 400, body: { error: `outcome must be created, updated, unchanged or rejected, got "${outcome}"` } };
        const run = await store.imports.getRun(id);
        if (!run) return { status: 404, body: { error: `no import run or workflow "${id}"` } };
        const results = await store.imports.results(run.runId, { ...p, ...(outcome ? { outcome: outcome as Outcome } : {}) });
        return { status: 200, body: { runId: run.runId, results } };
      },
    },
  ];
}
