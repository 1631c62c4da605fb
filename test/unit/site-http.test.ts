import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/http/contract.js';
import { matchesIfNoneMatch, prefersHtml } from '../../src/http/negotiate.js';
import { RenderCache } from '../../src/http/render-cache.js';
import { readApi } from '../../src/http/routes/index.js';
import { RENDER_CACHE_BYTES } from '../../src/http/routes/site.js';
import { createHttpServer, listen, type HttpLogger } from '../../src/http/server.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { articleFixture, pointEnvironment, seedRelease, seedRevision, type SeedItem } from '../helpers/site.js';

// The public site over HTTP, against a real store: negotiation, cache headers, conditional GETs, the
// 404s that name what is missing, and the 400s and 500s the rest of the API gives.

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const CACHE_CONTROL = 'public, max-age=60, s-maxage=31536000';

type Logged = Array<{ message: string; meta?: Record<string, unknown> }>;

async function serve(store: Pick<Store, 'articles' | 'imports' | 'site' | 'releases' | 'search'>, siteUrl?: string, renderCache?: RenderCache) {
  const logged: Logged = [];
  const logger: HttpLogger = { warn: (message, meta) => logged.push({ message, meta }), error: (message, meta) => logged.push({ message, meta }) };
  const server = createHttpServer({
    checks: { temporal: () => Promise.resolve(), database: () => Promise.resolve() },
    routes: readApi(store, { logger, siteUrl, renderCache }),
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

describe('content negotiation and validators', () => {
  it('prefers HTML only when the client ranks it above JSON', () => {
    expect(prefersHtml(BROWSER_ACCEPT)).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml('text/*')).toBe(true);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/json, text/html;q=0.5')).toBe(false);
    expect(prefersHtml('text/html;q=0.9, application/json;q=0.9')).toBe(false);
    expect(prefersHtml('text/html;q=0, */*')).toBe(false);
    expect(prefersHtml('garbage;;,/,text/html;q=abc')).toBe(false);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(matchesIfNoneMatch('"a", "b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('W/"b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('"a"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });
});

const backend = backends()[0]!;

describe(`the site over HTTP (${backend.name})`, () => {
  let database: TestDatabase;
  let store: Store;
  let ctx: Awaited<ReturnType<typeof serve>>;
  const slugs = new Map<string, string>();
  const hostileTitle = 'Escaping <script>alert(1)</script> & friends';

  beforeAll(async () => {
    database = await backend.create();
    store = await openStore(database.config);
    const one = articleFixture('alphanode-000001', hostileTitle, { tools: ['git', '<b>ruff</b>'], checklist: ['check & done'] });
    const two = articleFixture('alphanode-000002', 'Second article');
    const a: SeedItem[] = [];
    for (const article of [one, two]) a.push({ article, revision: 1, contentHash: await seedRevision(store.db, article, 1) });
    const twoV2 = { ...two, lede: 'changed lede' };
    const b: SeedItem[] = [a[0]!, { article: twoV2, revision: 2, contentHash: await seedRevision(store.db, twoV2, 2) }];
    await seedRelease(store.db, 'rel-a', a, { tag: '2026.01.01-1' });
    await seedRelease(store.db, 'rel-b', b, { tag: '2026.01.02-1' });
    await pointEnvironment(store.db, 'production', 'rel-a');
    for (const row of await store.db.query<{ source_id: string; slug: string }>('SELECT source_id, slug FROM articles')) slugs.set(row.source_id, row.slug);
    ctx = await serve(store);
  });
  afterAll(async () => {
    if (ctx) await close(ctx.server);
    await store?.close();
    await database?.cleanup();
  });

  const articleUrl = (sourceId: string, env = 'production') => `${ctx.base}/${env}/articles/${slugs.get(sourceId)}`;

  it('serves an article as JSON by default, in the contract shape, with cache headers and its surrogate keys', async () => {
    const res = await fetch(articleUrl('alphanode-000001'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe(CACHE_CONTROL);
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(res.headers.get('surrogate-key')).toBe('production:article:alphanode-000001 production:site production:similar');
    expect(res.headers.get('vary')).toBe('Accept');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = contract.siteArticle.response.parse(await res.json());
    expect(body).toMatchObject({ environment: 'production', sourceId: 'alphanode-000001', revision: 1, title: hostileTitle });
    expect(body.slug).toBe(slugs.get('alphanode-000001'));
  });

  it('serves the HTML page when Accept prefers it: escaped text, array meta as lists, its own ETag', async () => {
    const json = await fetch(articleUrl('alphanode-000001'));
    const res = await fetch(articleUrl('alphanode-000001'), { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('surrogate-key')).toBe('production:article:alphanode-000001 production:site production:similar');
    expect(res.headers.get('etag')).not.toBe(json.headers.get('etag'));
    const html = await res.text();
    expect(html).toContain('<h1>Escaping &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends</h1>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<dt>tools</dt><dd><ul><li>git</li><li>&lt;b&gt;ruff&lt;/b&gt;</li></ul></dd>');
    expect(html).toContain('<dt>checklist</dt><dd><ul><li>check &amp; done</li></ul></dd>');
    // A client that ranks JSON first still gets JSON.
    const ranked = await fetch(articleUrl('alphanode-000001'), { headers: { accept: 'application/json, text/html;q=0.5' } });
    expect(ranked.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers a matching If-None-Match with 304 and the same validators; HEAD without a body', async () => {
    const first = await fetch(articleUrl('alphanode-000002'));
    const etag = first.headers.get('etag')!;
    const again = await fetch(articleUrl('alphanode-000002'), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('surrogate-key')).toBe('production:article:alphanode-000002 production:site production:similar');
    expect(again.headers.get('cache-control')).toBe(CACHE_CONTROL);
    const stale = await fetch(articleUrl('alphanode-000002'), { headers: { 'if-none-match': '"something-else"' } });
    expect(stale.status).toBe(200);
    // The JSON representation's tag does not validate the HTML one.
    const html = await fetch(articleUrl('alphanode-000002'), { headers: { 'if-none-match': etag, accept: 'text/html' } });
    expect(html.status).toBe(200);
    const head = await fetch(articleUrl('alphanode-000002'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');
    // HEAD says how long the GET body is, for the HTML page too.
    const page = await fetch(articleUrl('alphanode-000002'), { headers: { accept: 'text/html' } });
    const pageHead = await fetch(articleUrl('alphanode-000002'), { method: 'HEAD', headers: { accept: 'text/html' } });
    expect(Number(pageHead.headers.get('content-length'))).toBe(Buffer.byteLength(await page.text()));
  });

  it('changes an article ETag when the release changes its revision, and keeps it when the article is unchanged', async () => {
    const before = [await fetch(articleUrl('alphanode-000001')), await fetch(articleUrl('alphanode-000002'))].map((r) => r.headers.get('etag'));
    const indexBefore = (await fetch(`${ctx.base}/production/`)).headers.get('etag');
    await pointEnvironment(store.db, 'production', 'rel-b');
    try {
      const after = [await fetch(articleUrl('alphanode-000001')), await fetch(articleUrl('alphanode-000002'))].map((r) => r.headers.get('etag'));
      expect(after[0]).toBe(before[0]);
      expect(after[1]).not.toBe(before[1]);
      expect((await fetch(`${ctx.base}/production/`)).headers.get('etag')).not.toBe(indexBefore);
    } finally {
      await pointEnvironment(store.db, 'production', 'rel-a');
    }
  });

  it('serves the index as JSON or HTML, with and without the trailing slash', async () => {
    const res = await fetch(`${ctx.base}/production/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('surrogate-key')).toBe('production:index production:site');
    expect(res.headers.get('cache-control')).toBe(CACHE_CONTROL);
    const body = contract.siteIndex.response.parse(await res.json());
    expect(body.release).toEqual({ id: 'rel-a', tag: '2026.01.01-1', manifestHash: 'manifest-rel-a' });
    expect(body.articles.map((a) => [a.sourceId, a.path])).toEqual(
      [...slugs.entries()].sort(([, x], [, y]) => (x < y ? -1 : 1)).map(([id, slug]) => [id, `/production/articles/${slug}`]),
    );
    const bare = await fetch(`${ctx.base}/production`);
    expect(bare.status).toBe(200);
    expect(bare.headers.get('etag')).toBe(res.headers.get('etag'));
    const html = await fetch(`${ctx.base}/production/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await html.text();
    expect(page).toContain(`<a href="/production/articles/${slugs.get('alphanode-000002')}">Second article</a>`);
    expect(page).not.toContain('<script>');
  });

  it('serves the sitemap with absolute URLs from the request origin, or SITE_URL when set', async () => {
    const res = await fetch(`${ctx.base}/production/sitemap.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(res.headers.get('surrogate-key')).toBe('production:sitemap production:site');
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    const xml = await res.text();
    expect(xml).toContain(`<loc>${ctx.base}/production/</loc>`);
    expect(xml).toContain(`<loc>${ctx.base}/production/articles/${slugs.get('alphanode-000001')}</loc>`);
    expect(xml.match(/<url>/g)).toHaveLength(3);

    const configured = await serve(store, 'https://alphanode.dev');
    try {
      const other = await fetch(`${configured.base}/production/sitemap.xml`);
      const text = await other.text();
      expect(text).toContain('<loc>https://alphanode.dev/production/</loc>');
      expect(text).not.toContain('127.0.0.1');
      expect(other.headers.get('etag')).not.toBe(res.headers.get('etag'));
    } finally {
      await close(configured.server);
    }
  });

  it('is 404 naming what is missing: no release in the environment, no such slug; misses are not cached', async () => {
    const noRelease = await fetch(`${ctx.base}/staging/articles/${slugs.get('alphanode-000001')}`);
    expect(noRelease.status).toBe(404);
    expect(((await noRelease.json()) as { error: string }).error).toMatch(/no release in staging yet/);
    expect(noRelease.headers.get('cache-control')).toBe('no-store');
    expect(noRelease.headers.get('surrogate-key')).toBe('staging:site');
    for (const path of ['/staging/', '/staging/sitemap.xml']) expect((await fetch(`${ctx.base}${path}`)).status, path).toBe(404);

    const noSlug = await fetch(`${ctx.base}/production/articles/no-such--alphanode-999999`);
    expect(noSlug.status).toBe(404);
    expect(((await noSlug.json()) as { error: string }).error).toBe('no article with slug "no-such--alphanode-999999" in the production release 2026.01.01-1');

    const unknownEnv = await fetch(`${ctx.base}/qa/articles/${slugs.get('alphanode-000001')}`);
    expect(unknownEnv.status).toBe(404);
    expect(((await unknownEnv.json()) as { error: string }).error).toMatch(/^no route GET \/qa\/articles\//);
  });

  it('refuses malformed slugs, %-escapes and query parameters with 400s naming them', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/production/articles/Bad%20Slug', 'slug', /expected an article slug/],
      ['/production/articles/..%2F..%2Fetc', 'slug', /expected an article slug/],
      ['/production/articles/%E0%A4%A', 'path', /malformed %-escape/],
      ['/production/articles/x--alphanode-000001?preview=1', 'preview', /unknown query parameter "preview"/],
      ['/production/sitemap.xml?x=%zz', 'query', /malformed %-escape/],
    ];
    for (const [path, parameter, message] of cases) {
      const res = await fetch(`${ctx.base}${path}`);
      const body = (await res.json()) as { error: string; parameter: string };
      expect(res.status, path).toBe(400);
      expect(body.parameter, path).toBe(parameter);
      expect(body.error, path).toMatch(message);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers other methods on site paths with 405', async () => {
    const res = await fetch(articleUrl('alphanode-000001'), { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('site routing', () => {
  it('routes every site path of both environments to its own handler (a route pattern once sent /staging/sitemap.xml to the index)', async () => {
    const release = { id: 'r', tag: null, manifestHash: 'm' };
    const entry = {
      sourceId: 'alphanode-000001',
      slug: 'a--alphanode-000001',
      title: 'A',
      revision: 1,
      contentHash: 'h',
      summary: null,
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const calls: string[] = [];
    const site = {
      index: (env: string) => {
        calls.push(`index ${env}`);
        return Promise.resolve({ release, articles: [entry] });
      },
      entry: (env: string, slug: string) => {
        calls.push(`article ${env} ${slug}`);
        const { summary: _summary, updatedAt: _updatedAt, ...item } = entry;
        return Promise.resolve({ release, item, searchGeneration: null });
      },
      revision: () => Promise.resolve(articleFixture(entry.sourceId, 'A')),
    };
    const ctx = await serve({ articles: {}, imports: {}, site } as unknown as Store);
    try {
      for (const env of ['staging', 'production']) {
        const expectations: Array<[string, string, string]> = [
          [`/${env}/sitemap.xml`, 'application/xml; charset=utf-8', `${env}:sitemap ${env}:site`],
          [`/${env}/`, 'application/json; charset=utf-8', `${env}:index ${env}:site`],
          [`/${env}`, 'application/json; charset=utf-8', `${env}:index ${env}:site`],
          [`/${env}/articles/${entry.slug}`, 'application/json; charset=utf-8', `${env}:article:${entry.sourceId} ${env}:site ${env}:similar`],
        ];
        for (const [path, type, keys] of expectations) {
          const res = await fetch(`${ctx.base}${path}`);
          expect(res.status, path).toBe(200);
          expect(res.headers.get('content-type'), path).toBe(type);
          expect(res.headers.get('surrogate-key'), path).toBe(keys);
        }
      }
      expect(calls).toEqual(['staging', 'production'].flatMap((env) => [`index ${env}`, `index ${env}`, `index ${env}`, `article ${env} ${entry.slug}`]));
    } finally {
      await close(ctx.server);
    }
  });
});

describe('a site read that fails', () => {
  it('is a 500 that carries only a request id; the SQL and stack go to the log under that id', async () => {
    const secret = 'syntax error at or near "release_items" SELECT r.id FROM environments e (password=hunter2)';
    const failing = () => Promise.reject(new Error(secret));
    const store = { articles: {}, imports: {}, site: { entry: failing, revision: failing, index: failing } } as unknown as Store;
    const ctx = await serve(store);
    try {
      for (const path of ['/production/', '/production/articles/a--alphanode-000001', '/production/sitemap.xml']) {
        const res = await fetch(`${ctx.base}${path}`, { headers: { accept: 'text/html' } });
        const text = await res.text();
        expect(res.status, path).toBe(500);
        expect(text).not.toMatch(/syntax|release_items|SELECT|hunter2|at \w+ \(|Error:/);
        const body = JSON.parse(text) as { error: string; requestId: string };
        expect(body).toEqual({ error: 'internal error', requestId: res.headers.get('x-request-id') });
        expect(res.headers.get('cache-control')).toBe('no-store');
        const entry = ctx.logged.find((l) => l.meta?.requestId === body.requestId);
        expect(entry?.meta?.error).toContain(secret);
      }
    } finally {
      await close(ctx.server);
    }
  });
});

describe(`the render cache behind the article route (${backend.name})`, () => {
  let database: TestDatabase;
  let store: Store;
  const slugs = new Map<string, string>();

  beforeAll(async () => {
    database = await backend.create();
    store = await openStore(database.config);
    const one = articleFixture('alphanode-000001', 'Cached <first> & one');
    const two = articleFixture('alphanode-000002', 'Cached second');
    const a: SeedItem[] = [];
    for (const article of [one, two]) a.push({ article, revision: 1, contentHash: await seedRevision(store.db, article, 1) });
    const twoV2 = { ...two, lede: 'the second revision' };
    await seedRelease(store.db, 'rel-a', a, { tag: '2026.01.01-1' });
    await seedRelease(store.db, 'rel-b', [a[0]!, { article: twoV2, revision: 2, contentHash: await seedRevision(store.db, twoV2, 2) }], {
      tag: '2026.01.02-1',
    });
    for (const row of await store.db.query<{ source_id: string; slug: string }>('SELECT source_id, slug FROM articles')) slugs.set(row.source_id, row.slug);
  });
  afterAll(async () => {
    await store?.close();
    await database?.cleanup();
  });

  /** A server whose store counts the revisions the route fetches: a cache hit fetches none. */
  async function counted(cache: RenderCache) {
    const fetched: string[] = [];
    const site: Store['site'] = {
      ...store.site,
      revision: (sourceId, revision) => {
        fetched.push(`${sourceId}@${revision}`);
        return store.site.revision(sourceId, revision);
      },
    };
    const ctx = await serve({ ...store, site }, undefined, cache);
    const get = async (sourceId: string, options: { env?: string; accept?: string; method?: string } = {}) => {
      const res = await fetch(`${ctx.base}/${options.env ?? 'production'}/articles/${slugs.get(sourceId)}`, {
        method: options.method ?? 'GET',
        headers: options.accept ? { accept: options.accept } : {},
      });
      return { status: res.status, etag: res.headers.get('etag'), length: res.headers.get('content-length'), text: await res.text() };
    };
    return { ctx, fetched, get };
  }

  it('serves a cached page with the same bytes and ETag as the first, without fetching the revision again', async () => {
    await pointEnvironment(store.db, 'production', 'rel-a');
    const { ctx, fetched, get } = await counted(new RenderCache(RENDER_CACHE_BYTES));
    try {
      for (const accept of [undefined, 'text/html']) {
        const first = await get('alphanode-000001', { accept });
        const second = await get('alphanode-000001', { accept });
        expect(first.status).toBe(200);
        expect(second).toEqual(first);
        expect(Number(first.length)).toBe(Buffer.byteLength(first.text));
      }
      expect(fetched).toEqual(['alphanode-000001@1', 'alphanode-000001@1']);
      // HTML escaping holds for the cached page too.
      expect((await get('alphanode-000001', { accept: 'text/html' })).text).toContain('<h1>Cached &lt;first&gt; &amp; one</h1>');
      // HEAD of a cached page: its headers, no body.
      const head = await get('alphanode-000001', { method: 'HEAD' });
      expect(head).toMatchObject({ status: 200, text: '', etag: (await get('alphanode-000001')).etag });
      expect(Number(head.length)).toBeGreaterThan(0);
      expect(fetched).toHaveLength(2);
    } finally {
      await close(ctx.server);
    }
  });

  it('shares a JSON body between environments yet names each its own environment, exactly as the contract shapes it', async () => {
    await pointEnvironment(store.db, 'production', 'rel-a');
    await pointEnvironment(store.db, 'staging', 'rel-a');
    const { ctx, fetched, get } = await counted(new RenderCache(RENDER_CACHE_BYTES));
    try {
      const production = await get('alphanode-000001');
      const staging = await get('alphanode-000001', { env: 'staging' });
      expect(fetched).toEqual(['alphanode-000001@1']);
      const read = await store.site.article('staging', slugs.get('alphanode-000001')!);
      expect(staging.text).toBe(JSON.stringify({ environment: 'staging', ...read!.article, similar: [] }));
      expect(contract.siteArticle.response.parse(JSON.parse(production.text))).toMatchObject({ environment: 'production', revision: 1 });
      expect(staging.etag).not.toBe(production.etag);
      // An HTML page links its own environment: it is never shared.
      await get('alphanode-000001', { accept: 'text/html' });
      const stagedPage = await get('alphanode-000001', { env: 'staging', accept: 'text/html' });
      expect(stagedPage.text).toContain('href="/staging/"');
      expect(fetched).toHaveLength(3);
    } finally {
      await pointEnvironment(store.db, 'staging', null);
      await close(ctx.server);
    }
  });

  it('never serves a cached body for another revision: a release move shows the new revision, a rollback the old one', async () => {
    await pointEnvironment(store.db, 'production', 'rel-a');
    const { ctx, fetched, get } = await counted(new RenderCache(RENDER_CACHE_BYTES));
    try {
      const v1 = await get('alphanode-000002');
      await pointEnvironment(store.db, 'production', 'rel-b');
      const v2 = await get('alphanode-000002');
      expect(JSON.parse(v2.text)).toMatchObject({ revision: 2, article: { lede: 'the second revision' } });
      expect(v2.etag).not.toBe(v1.etag);
      await pointEnvironment(store.db, 'production', 'rel-a');
      // The rollback re-serves revision 1 from the cache: the same bytes, no fetch.
      expect(await get('alphanode-000002')).toEqual(v1);
      expect(fetched).toEqual(['alphanode-000002@1', 'alphanode-000002@2']);
    } finally {
      await pointEnvironment(store.db, 'production', 'rel-a');
      await close(ctx.server);
    }
  });

  it('renders again what its byte bound evicted, the same as before', async () => {
    await pointEnvironment(store.db, 'production', 'rel-a');
    const probe = new RenderCache(RENDER_CACHE_BYTES);
    const sizing = await counted(probe);
    try {
      await sizing.get('alphanode-000001');
      await sizing.get('alphanode-000002');
    } finally {
      await close(sizing.ctx.server);
    }
    // Room for either article's JSON page, not for both.
    const cache = new RenderCache(probe.stats().bytes - 1, { maxEntryBytes: probe.stats().bytes });
    const { ctx, fetched, get } = await counted(cache);
    try {
      const first = await get('alphanode-000001');
      expect(cache.stats().entries).toBe(1);
      await get('alphanode-000002');
      expect(cache.stats()).toMatchObject({ entries: 1, evictions: 1 });
      expect(cache.stats().bytes).toBeLessThanOrEqual(cache.maxBytes);
      expect(await get('alphanode-000001')).toEqual(first);
      expect(fetched).toEqual(['alphanode-000001@1', 'alphanode-000002@1', 'alphanode-000001@1']);
    } finally {
      await close(ctx.server);
    }
  });
});
