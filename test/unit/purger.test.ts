import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../../src/domain/errors.js';
import { loadConfig } from '../../src/config.js';
import { chunkKeys, createCachePurger, createHttpPurger, createNoopPurger, PurgeFailedError } from '../../src/release/purger.js';
import { startSiteBackend, type SiteBackend } from '../helpers/site-backend.js';
import { startVarnish, VCL_DIR, type RunningVarnish } from '../helpers/varnish.js';

// Against a real Varnish (Debian's varnishd with src/release/varnish/pressroom.vcl) in front of a
// stand-in read API: what a purge drops, and what it leaves cached.

const articles = Array.from({ length: 6 }, (_, i) => ({ sourceId: `src-${i}`, slug: `article-${i}`, title: `Article ${i}`, version: 1 }));

let site: SiteBackend;
let varnish: RunningVarnish;

beforeAll(async () => {
  site = await startSiteBackend('staging', articles);
  varnish = await startVarnish({ backend: { host: site.host, port: site.port } });
});

afterAll(async () => {
  await varnish?.stop();
  await site?.close();
});

type Fetched = { status: number; cache: string | null; hits: string | null; etag: string | null; body: string };

async function get(path: string, accept?: string): Promise<Fetched> {
  const response = await fetch(`${varnish.url}${path}`, { headers: accept ? { accept } : {} });
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    hits: response.headers.get('x-cache-hits'),
    etag: response.headers.get('etag'),
    body: await response.text(),
  };
}

/** Warms each path, so the next GET is a HIT unless something purged it. */
async function warm(paths: string[]): Promise<void> {
  for (const path of paths) await get(path);
  for (const path of paths) expect((await get(path)).cache, path).toBe('HIT');
}

describe('Varnish with pressroom.vcl', () => {
  it('misses first, then serves the cached copy without asking the backend', async () => {
    const first = await get('/staging/articles/article-0');
    expect(first).toMatchObject({ status: 200, cache: 'MISS', hits: '0', etag: site.etagOf('article-0') });
    const second = await get('/staging/articles/article-0');
    expect(second).toMatchObject({ status: 200, cache: 'HIT', hits: '1', etag: site.etagOf('article-0') });
    expect(site.hits.get('/staging/articles/article-0')).toBe(1);
    // HTML is its own variant: a miss of its own, not the JSON copy.
    const html = await get('/staging/articles/article-0', 'text/html,application/xhtml+xml;q=0.9');
    expect(html.cache).toBe('MISS');
    expect(html.body).toContain('<h1>Article 0</h1>');
  });

  it('does not cache a 404, so a page published later is served at once', async () => {
    expect((await get('/staging/articles/later')).status).toBe(404);
    site.articles.set('later', { sourceId: 'src-later', slug: 'later', title: 'Later', version: 1 });
    try {
      expect(await get('/staging/articles/later')).toMatchObject({ status: 200, cache: 'MISS' });
    } finally {
      site.articles.delete('later');
    }
  });

  it("compiles with docker-compose's backend file too", () => {
    // `worker` resolves only inside compose; Varnish resolves backends when it compiles, so it stands in as loopback.
    const composeBackend = readFileSync(join(import.meta.dirname, '../../docker/varnish-backend.vcl'), 'utf8');
    expect(composeBackend).toContain('.host = "worker";');
    const dir = mkdtempSync(join(tmpdir(), 'pressroom-vcl-'));
    try {
      writeFileSync(join(dir, 'pressroom-backend.vcl'), composeBackend.replace('.host = "worker";', '.host = "127.0.0.1";'));
      const result = spawnSync('varnishd', ['-j', 'none', '-C', '-n', join(dir, 'n'), '-p', `vcl_path=${dir}`, '-f', join(VCL_DIR, 'pressroom.vcl')], {
        encoding: 'utf8',
      });
      expect(result.status, result.stderr.slice(-2_000)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses PURGE from an address outside its purge ACL', async () => {
    // Loopback is all of 127/8: leaving from 127.0.0.2 makes this client a stranger to the ACL.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: varnish.port, localAddress: '127.0.0.2', method: 'PURGE', path: '/', headers: { 'xkey-purge': 'staging:site' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('createHttpPurger', () => {
  const paths = articles.map((a) => `/staging/articles/${a.slug}`);

  it('by surrogate key: only the tagged pages miss afterwards, with their new ETag; the rest stay cached', async () => {
    await warm([...paths, '/staging/', '/staging/sitemap.xml']);
    site.articles.get('article-1')!.version = 2;
    site.articles.get('article-2')!.version = 2;
    site.bumpIndex();

    const purger = createHttpPurger({ url: varnish.url, mode: 'xkey' });
    const report = await purger.purge({ keys: ['staging:article:src-1', 'staging:article:src-2', 'staging:index'], paths: [] });
    expect(report).toEqual({ keys: 3, urls: 0, requests: 1, skipped: false });

    for (const slug of ['article-1', 'article-2']) {
      expect(await get(`/staging/articles/${slug}`)).toMatchObject({ cache: 'MISS', etag: `"src-${slug.at(-1)}-v2-json"` });
    }
    expect(await get('/staging/')).toMatchObject({ cache: 'MISS', etag: '"index-v2"' });
    for (const slug of ['article-0', 'article-3', 'article-4', 'article-5']) {
      expect((await get(`/staging/articles/${slug}`)).cache, slug).toBe('HIT');
    }
    // Not named, so still the old copy: a release names the sitemap when it changes.
    expect(await get('/staging/sitemap.xml')).toMatchObject({ cache: 'HIT', etag: '"sitemap-v1"' });
  });

  it('by URL: every variant of each path misses afterwards; other paths stay cached', async () => {
    await warm(paths);
    await get('/staging/articles/article-3', 'text/html');
    site.articles.get('article-3')!.version = 3;

    const purger = createHttpPurger({ url: varnish.url, mode: 'url' });
    const report = await purger.purge({ keys: ['staging:article:src-3'], paths: ['/staging/articles/article-3'] });
    expect(report).toEqual({ keys: 0, urls: 1, requests: 1, skipped: false });

    expect(await get('/staging/articles/article-3')).toMatchObject({ cache: 'MISS', etag: '"src-3-v3-json"' });
    expect(await get('/staging/articles/article-3', 'text/html')).toMatchObject({ cache: 'MISS', etag: '"src-3-v3-html"' });
    for (const slug of ['article-0', 'article-1', 'article-4']) expect((await get(`/staging/articles/${slug}`)).cache, slug).toBe('HIT');
  });

  it('sends thousands of keys in chunks under the header limit, and every chunk purges', async () => {
    await warm(paths);
    // 3,000 keys nothing carries, with two real ones at the far end: they land in the last chunks.
    const keys = [...Array.from({ length: 3_000 }, (_, i) => `staging:article:missing-${i}`), 'staging:article:src-4', 'staging:article:src-5'];
    const chunks = chunkKeys(keys, 4_000);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(4_000);
    expect(chunks.join(' ').split(' ')).toEqual(keys);

    const report = await createHttpPurger({ url: varnish.url, mode: 'xkey' }).purge({ keys, paths: [] });
    expect(report).toEqual({ keys: keys.length, urls: 0, requests: chunks.length, skipped: false });
    expect((await get('/staging/articles/article-4')).cache).toBe('MISS');
    expect((await get('/staging/articles/article-5')).cache).toBe('MISS');
    expect((await get('/staging/articles/article-0')).cache).toBe('HIT');
  });

  it('fails with PurgeFailed when one header would exceed what Varnish accepts (why it chunks)', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `staging:article:oversized-${i}`);
    const purger = createHttpPurger({ url: varnish.url, mode: 'xkey', maxHeaderBytes: 12_000, attempts: 2, backoffMs: 10 });
    const failure = await purger.purge({ keys, paths: [] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PurgeFailedError);
    expect(failure).toMatchObject({ type: ErrorType.PurgeFailed, message: expect.stringMatching(/HTTP 400 Bad Request/) as unknown });
  });

  it('refuses keys and paths it could not send faithfully, before sending anything', async () => {
    const purger = createHttpPurger({ url: varnish.url, mode: 'xkey' });
    await expect(purger.purge({ keys: ['two keys'], paths: [] })).rejects.toMatchObject({ type: ErrorType.InvalidInput, message: /without spaces or commas/ });
    await expect(createHttpPurger({ url: varnish.url, mode: 'url' }).purge({ keys: [], paths: ['//evil.example/x'] })).rejects.toMatchObject({
      type: ErrorType.InvalidInput,
    });
  });
});

describe('a cache that fails', () => {
  let server: Server;
  let url: string;
  let status = 500;
  const received: Array<{ method: string; url: string; xkey: string | undefined }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push({ method: req.method ?? '', url: req.url ?? '', xkey: req.headers['xkey-purge'] as string | undefined });
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('retries a 500 with backoff, then throws a retryable PurgeFailed naming the cache and the status', async () => {
    received.length = 0;
    status = 500;
    const warnings: string[] = [];
    const purger = createHttpPurger({ url, mode: 'xkey', attempts: 3, backoffMs: 5, log: { info: () => undefined, warn: (m) => warnings.push(m) } });
    const failure = await purger.purge({ keys: ['staging:index'], paths: [] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PurgeFailedError);
    expect(failure).toMatchObject({
      type: ErrorType.PurgeFailed,
      retryable: true,
      message: expect.stringMatching(/after 3 attempt\(s\): HTTP 500/) as unknown,
    });
    expect(received).toEqual(Array.from({ length: 3 }, () => ({ method: 'PURGE', url: '/', xkey: 'staging:index' })));
    expect(warnings).toHaveLength(2);
  });

  it('does not repeat a refusal (403): one request, then PurgeFailed saying the ACL may be why', async () => {
    received.length = 0;
    status = 403;
    const failure = await createHttpPurger({ url, mode: 'url', attempts: 3, backoffMs: 5 })
      .purge({ keys: [], paths: ['/staging/'] })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: ErrorType.PurgeFailed, message: expect.stringMatching(/HTTP 403.*purge ACL/) as unknown });
    expect(received).toEqual([{ method: 'PURGE', url: '/staging/', xkey: undefined }]);
  });

  it('retries an unreachable cache too', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await createHttpPurger({ url: `http://127.0.0.1:${port}`, mode: 'xkey', attempts: 2, backoffMs: 5 })
      .purge({ keys: ['staging:index'], paths: [] })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: ErrorType.PurgeFailed, message: expect.stringMatching(/after 2 attempt\(s\).*ECONNREFUSED/) as unknown });
  });
});

describe('createNoopPurger', () => {
  it('sends nothing, logs that no cache is configured and reports skipped', async () => {
    const logged: Array<{ message: string; meta: Record<string, unknown> | undefined }> = [];
    const purger = createNoopPurger({ info: (message, meta) => logged.push({ message, meta }) });
    const report = await purger.purge({ keys: ['staging:index', 'staging:sitemap'], paths: ['/staging/'] });
    expect(report).toEqual({ keys: 0, urls: 0, requests: 0, skipped: true });
    expect(logged).toEqual([{ message: expect.stringMatching(/no cache configured \(CACHE_PURGE_URL unset\)/) as unknown, meta: { keys: 2, paths: 1 } }]);
  });
});

describe('CACHE_PURGE_URL and CACHE_PURGE_MODE', () => {
  it('default to no cache (a logged no-op) and xkey; a set URL gives the HTTP purger', async () => {
    expect(loadConfig({}).cache).toEqual({ purgeUrl: undefined, purgeMode: 'xkey' });
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) };
    expect(await createCachePurger(loadConfig({ CACHE_PURGE_URL: '' }).cache, log).purge({ keys: ['staging:index'], paths: [] })).toMatchObject({
      skipped: true,
    });
    expect(logged).toHaveLength(1);

    const cache = loadConfig({ CACHE_PURGE_URL: varnish.url, CACHE_PURGE_MODE: 'url' }).cache;
    expect(cache).toEqual({ purgeUrl: varnish.url, purgeMode: 'url' });
    expect(await createCachePurger(cache, log).purge({ keys: [], paths: ['/staging/'] })).toEqual({ keys: 0, urls: 1, requests: 1, skipped: false });
  });

  it('refuse a URL that is not one and a mode that does not exist, by name', () => {
    expect(() => loadConfig({ CACHE_PURGE_URL: 'varnish:6081' })).toThrow(/CACHE_PURGE_URL="varnish:6081": expected the cache's base http\(s\) URL/);
    expect(() => loadConfig({ CACHE_PURGE_MODE: 'ban' })).toThrow(/CACHE_PURGE_MODE="ban": expected xkey \(purge by surrogate key\) or url/);
  });
});
