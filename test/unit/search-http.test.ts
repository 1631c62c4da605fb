import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VERIFY } from '../../src/domain/search/input.js';
import { SEARCH_MAX_PAGE, SEARCH_PAGE_SIZE } from '../../src/domain/search/query.js';
import { contract } from '../../src/http/contract.js';
import { readApi } from '../../src/http/routes/index.js';
import { createHttpServer, listen, type HttpLogger } from '../../src/http/server.js';
import { fillGeneration, storeSimilar, verifyGeneration } from '../../src/search/reindex.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { releaseAll, seedSynth } from '../helpers/search-fixtures.js';

// GET /search and /search/generations over HTTP against a real store: the 503 before the first
// reindex, JSON in the contract's shape, the HTML results page (escaped, with its CSP), and hostile
// input, which is a 400 naming the parameter or an ordinary answer, never a 500.

const ARTICLES = 300;

type Logged = Array<{ message: string; meta?: Record<string, unknown> }>;

async function serve(store: Pick<Store, 'articles' | 'imports' | 'site' | 'releases' | 'search'>) {
  const logged: Logged = [];
  const logger: HttpLogger = { warn: (message, meta) => logged.push({ message, meta }), error: (message, meta) => logged.push({ message, meta }) };
  const server = createHttpServer({
    checks: { temporal: () => Promise.resolve(), database: () => Promise.resolve() },
    routes: readApi(store, { logger }),
    logger,
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return { server, base: `http://127.0.0.1:${port}`, logged };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

type ErrorBody = { error: string; parameter?: string; expected?: string; requestId: string };

for (const backend of backends()) {
  describe(`search over HTTP (${backend.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let ctx: Awaited<ReturnType<typeof serve>>;

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      ctx = await serve(store);
    });
    afterAll(async () => {
      if (ctx) await close(ctx.server);
      await store?.close();
      await database?.cleanup();
    });

    /** GET `/search?<rawQuery>` (the query exactly as given, escapes and all). */
    const search = (rawQuery: string, headers: Record<string, string> = {}) => fetch(`${ctx.base}/search?${rawQuery}`, { headers });
    const q = (text: string) => new URLSearchParams({ q: text }).toString();

    it('answers 503 before any generation exists, saying to run a full reindex, with retry-after', async () => {
      const res = await search('q=jobs');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toContain('reindex --full');
      expect(body.requestId).toEqual(expect.any(String));
      // Bad input is still refused first, with or without an index.
      expect((await search('q=')).status).toBe(400);
    });

    it('lists no generation and no live one before the first reindex', async () => {
      const res = await fetch(`${ctx.base}/search/generations`);
      expect(res.status).toBe(200);
      expect(contract.searchGenerations.response.parse(await res.json())).toEqual({ live: null, generations: [] });
    });

    describe('with a live generation', () => {
      let generationId: number;

      beforeAll(async () => {
        await seedSynth(store.db, { count: ARTICLES });
        await releaseAll(store);
        const { generation } = await store.search.createGeneration('wf-http');
        generationId = generation.id;
        const filled = await fillGeneration(store, generationId, { batchSize: 500 });
        expect(filled).toMatchObject({ written: ARTICLES, failed: 0, finished: true });
        await store.search.indexGeneration(generationId);
        await storeSimilar(store, generationId);
        const { report } = await verifyGeneration(store, generationId, DEFAULT_VERIFY);
        expect(report.checks.filter((c) => !c.passed)).toEqual([]);
        await store.search.swap(generationId, report);
      });

      afterAll(() => {
        // No request in this file may have failed on the server's side.
        expect(ctx.logged.filter((l) => l.message.includes('failed'))).toEqual([]);
      });

      it('answers JSON in the contract shape: at most 10 hits, production paths, marked snippets', async () => {
        const res = await search('q=background%20jobs');
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.headers.get('cache-control')).toBe('no-store');
        const body = contract.search.response.parse(await res.json());
        expect(body).toMatchObject({ generation: generationId, query: 'background jobs', page: 1, pageSize: SEARCH_PAGE_SIZE, capped: false });
        expect(body.total).toBeGreaterThan(0);
        expect(body.total).toBeLessThanOrEqual(ARTICLES);
        expect(body.hits.length).toBeGreaterThan(0);
        expect(body.hits.length).toBeLessThanOrEqual(SEARCH_PAGE_SIZE);
        for (const hit of body.hits) {
          expect(hit.path.startsWith('/production/articles/')).toBe(true);
          expect(hit.path).toBe(`/production/articles/${hit.slug}`);
          expect(hit.snippet).toContain('<mark>');
          expect(hit.snippet.split('<mark>').length).toBe(hit.snippet.split('</mark>').length);
        }
        const scores = body.hits.map((h) => h.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      });

      it('answers the HTML results page when Accept prefers it, the query escaped, with a CSP allowing the form', async () => {
        const res = await search('q=background%20jobs', { accept: 'text/html' });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        const csp = res.headers.get('content-security-policy');
        expect(csp).toContain("form-action 'self'");
        expect(csp).toContain("default-src 'none'");
        const html = await res.text();
        expect(html).toContain('<ol class="results"');
        expect(html).toContain('<mark>');

        const hostile = await search(q('<script>alert(1)</script> jobs'), { accept: 'text/html' });
        expect(hostile.status).toBe(200);
        const page = await hostile.text();
        expect(page).not.toContain('<script>alert(1)');
        expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; jobs');
      });

      it('pages: page 2 continues page 1, and a page past the end keeps the total', async () => {
        const first = contract.search.response.parse(await (await search('q=jobs')).json());
        expect(first.total).toBeGreaterThan(SEARCH_PAGE_SIZE);
        const second = contract.search.response.parse(await (await search('q=jobs&page=2')).json());
        expect(second.page).toBe(2);
        expect(second.total).toBe(first.total);
        const firstIds = new Set(first.hits.map((h) => h.sourceId));
        for (const hit of second.hits) expect(firstIds.has(hit.sourceId)).toBe(false);

        const res = await search(`q=background%20jobs&page=${SEARCH_MAX_PAGE}`);
        expect(res.status).toBe(200);
        const past = contract.search.response.parse(await res.json());
        expect(past.page).toBe(SEARCH_MAX_PAGE);
        expect(past.hits).toEqual([]);
        expect(past.total).toBeGreaterThan(0);
      });

      it('applies filters, lowercased', async () => {
        const all = contract.search.response.parse(await (await search('q=jobs')).json());
        const stack = all.hits[0]!.stack[0]!;
        const res = await search(`q=jobs&${new URLSearchParams({ stack: stack.toUpperCase() }).toString()}`);
        expect(res.status).toBe(200);
        const filtered = contract.search.response.parse(await res.json());
        expect(filtered.total).toBeGreaterThan(0);
        expect(filtered.total).toBeLessThanOrEqual(all.total);
        for (const hit of filtered.hits) expect(hit.stack).toContain(stack);
      });

      describe('hostile input: a 400 naming the parameter, or an ordinary answer, never a 500', () => {
        it.each([
          ['an empty q', 'q=', 'q'],
          ['no q', '', 'q'],
          ['no q but a page', 'page=2', 'q'],
          ['q of 10,000 characters', `q=${'a'.repeat(10_000)}`, 'q'],
          ['q holding NUL', 'q=jobs%00x', 'q'],
          ['an unknown filter', 'q=x&color=red', 'color'],
          ['page 0', 'q=jobs&page=0', 'page'],
          ['page past the last', `q=jobs&page=${SEARCH_MAX_PAGE + 1}`, 'page'],
          ['page -1', 'q=jobs&page=-1', 'page'],
          ['page abc', 'q=jobs&page=abc', 'page'],
          ['page 1.5', 'q=jobs&page=1.5', 'page'],
          ['difficulty expert', 'q=jobs&difficulty=expert', 'difficulty'],
          ['a duplicated q', 'q=a&q=b', 'q'],
          ['a malformed escape', 'q=%E0%A4%A', 'query'],
          ['escapes that are not UTF-8', 'q=%FF%FE', 'query'],
        ])('refuses %s with a 400 naming %s', async (_label, rawQuery, parameter) => {
          const res = await search(rawQuery);
          expect(res.status).toBe(400);
          expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
          const body = (await res.json()) as ErrorBody;
          expect(body.parameter).toBe(parameter);
          expect(body.error.length).toBeGreaterThan(0);
          expect(body.error.length).toBeLessThan(500);
        });

        it('names the unknown parameter in the error', async () => {
          const body = (await (await search('q=x&color=red')).json()) as ErrorBody;
          expect(body.error).toContain('unknown query parameter "color"');
        });

        it('refuses the 10,000-character q without echoing it whole', async () => {
          const body = (await (await search(`q=${'a'.repeat(10_000)}`)).json()) as ErrorBody;
          expect(body.error).toContain('expected q as a search query of 1 to 256 characters');
          expect(body.error.length).toBeLessThan(300);
        });

        it('answers a query of only operators and stop words with no results', async () => {
          const res = await search(q('- - or'));
          expect(res.status).toBe(200);
          const body = contract.search.response.parse(await res.json());
          expect(body.total).toBe(0);
          expect(body.hits).toEqual([]);
        });

        it.each([
          ['an unbalanced quote', '"unbalanced'],
          ['SQL', "'; DROP TABLE articles; --"],
          ['tsquery syntax', "jobs & !(x | y) <-> 'z':*"],
          ['backslashes and colons', '\\\\ :: \\" jobs'],
          ['non-Latin text', 'ジョブ 背景 задачи'],
          ['a private-use highlight mark', 'jobs \uE000 \uE001'],
          ['exactly 256 characters', `${'jobs '.repeat(51)}a`],
        ])('answers %s with a 200', async (_label, text) => {
          const res = await search(q(text));
          expect(res.status).toBe(200);
          const body = contract.search.response.parse(await res.json());
          expect(body.hits.length).toBeLessThanOrEqual(SEARCH_PAGE_SIZE);
          expect(body.total).toBeGreaterThanOrEqual(body.hits.length);
        });

        it('still searches normally after a query holding SQL', async () => {
          expect((await search(q("'; DROP TABLE articles; --"))).status).toBe(200);
          const [row] = await store.db.query<{ n: string | number }>('SELECT count(*) AS n FROM articles');
          expect(Number(row!.n)).toBe(ARTICLES);
          const body = contract.search.response.parse(await (await search('q=background%20jobs')).json());
          expect(body.hits.length).toBeGreaterThan(0);
        });
      });

      it('lists the generations, the swapped one live', async () => {
        const res = await fetch(`${ctx.base}/search/generations`);
        expect(res.status).toBe(200);
        const body = contract.searchGenerations.response.parse(await res.json());
        expect(body.live).toBe(generationId);
        expect(body.generations[0]).toMatchObject({ id: generationId, status: 'live', live: true, workflowId: 'wf-http', documents: ARTICLES, failed: 0 });
      });

      it('refuses query parameters on /search/generations', async () => {
        const res = await fetch(`${ctx.base}/search/generations?x=1`);
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorBody).parameter).toBe('x');
      });

      it('answers POST /search with 405 and what is allowed', async () => {
        const res = await fetch(`${ctx.base}/search?q=jobs`, { method: 'POST', body: 'q=jobs' });
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      });
    });
  });
}
