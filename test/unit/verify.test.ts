import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../../src/domain/errors.js';
import { createHttpPurger } from '../../src/release/purger.js';
import { titleForms, verifyRoutes, VerificationFailedError } from '../../src/release/verify.js';
import { startSiteBackend, type SiteArticle, type SiteBackend } from '../helpers/site-backend.js';
import { startVarnish, type RunningVarnish } from '../helpers/varnish.js';

const articles: SiteArticle[] = [
  { sourceId: 'a', slug: 'rust-and-c', title: 'Rust & C: <unsafe> "FFI"', version: 1 },
  { sourceId: 'b', slug: 'plain', title: 'Plain title', version: 1 },
  { sourceId: 'c', slug: 'unicode', title: 'Zürich – naïve café', version: 1 },
];

let site: SiteBackend;

beforeAll(async () => {
  site = await startSiteBackend('staging', articles);
});
afterAll(async () => {
  await site?.close();
});

const routes = () => articles.map((a) => ({ path: `/staging/articles/${a.slug}`, title: a.title, etag: site.etagOf(a.slug) }));

async function failureOf(promise: Promise<unknown>): Promise<VerificationFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VerificationFailedError);
  return error as VerificationFailedError;
}

describe('verifyRoutes', () => {
  it('passes when every route answers 200 with its title (JSON or escaped HTML) and ETag, and times each request', async () => {
    const html = articles.map((a) => ({ path: `/staging/articles/${a.slug}`, title: a.title, etag: site.etagOf(a.slug, 'html'), accept: 'text/html' }));
    const timings = await verifyRoutes({ baseUrl: site.url, routes: [...routes(), ...html, { path: '/staging/' }], concurrency: 4 });
    expect(timings.requests).toBe(7);
    expect(timings.p50).toBeGreaterThan(0);
    expect(timings.p50).toBeLessThanOrEqual(timings.p95);
    expect(timings.p95).toBeLessThanOrEqual(timings.max);
  });

  it('knows the escaped forms of a title', () => {
    expect(titleForms(`a & <b> "c" 'd'`)).toEqual(
      expect.arrayContaining(['a &amp; &lt;b&gt; "c" \'d\'', 'a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;', '"a & <b> \\"c\\" \'d\'"']),
    );
  });

  it('fails with VerificationFailed naming each bad route: a 404, a missing title, a wrong ETag', async () => {
    const failure = await failureOf(
      verifyRoutes({
        baseUrl: `${site.url}/`,
        routes: [
          ...routes(),
          { path: '/staging/articles/gone', title: 'Gone' },
          { path: '/staging/articles/plain', title: 'Another title' },
          { path: '/staging/articles/unicode', etag: '"c-v2-json"' },
        ],
      }),
    );
    expect(failure.type).toBe(ErrorType.VerificationFailed);
    expect(failure.retryable).toBe(true);
    expect(failure.failures).toEqual(
      expect.arrayContaining([
        { path: '/staging/articles/gone', status: 404, reason: 'answered 404, expected 200' },
        { path: '/staging/articles/plain', status: 200, reason: 'the body does not show the title "Another title"' },
        { path: '/staging/articles/unicode', status: 200, reason: 'ETag "c-v1-json", expected "c-v2-json"' },
      ]),
    );
    expect(failure.failures).toHaveLength(3);
    expect(failure.message).toMatch(/^3 of 6 routes at http:\/\/127\.0\.0\.1:\d+ did not serve the release: /);
    expect(failure.message).toContain('/staging/articles/gone: answered 404, expected 200');
  });

  it('stops after maxFailures when nothing answers, saying how many routes it did not check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const many = Array.from({ length: 500 }, (_, i) => ({ path: `/staging/articles/x${i}` }));
    const failure = await failureOf(verifyRoutes({ baseUrl: `http://127.0.0.1:${port}`, routes: many, concurrency: 4, maxFailures: 10 }));
    expect(failure.failures.length).toBeGreaterThanOrEqual(10);
    expect(failure.failures.length).toBeLessThan(20);
    expect(failure.failures[0]).toMatchObject({ status: null, reason: expect.stringMatching(/ECONNREFUSED/) as unknown });
    expect(failure.message).toMatch(/stopped after \d+ failures; \d+ routes not checked/);
    expect(failure.message).toMatch(/and \d+ more/);
  });
});

describe('verifyRoutes through Varnish, after a purge', () => {
  let varnish: RunningVarnish;
  let big: SiteBackend;
  const many: SiteArticle[] = Array.from({ length: 5_000 }, (_, i) => ({ sourceId: `s${i}`, slug: `post-${i}`, title: `Post ${i} <${i}>`, version: 1 }));

  beforeAll(async () => {
    big = await startSiteBackend('production', many);
    varnish = await startVarnish({ backend: { host: big.host, port: big.port } });
  });
  afterAll(async () => {
    await varnish?.stop();
    await big?.close();
  });

  const expected = () => many.map((a) => ({ path: `/production/articles/${a.slug}`, title: a.title, etag: big.etagOf(a.slug) }));

  it('sees the stale ETag until the purge, then every one of 5,000 routes serves its new ETag', async () => {
    const started = performance.now();
    const warmed = await verifyRoutes({ baseUrl: varnish.url, routes: expected() });
    expect(warmed.requests).toBe(5_000);

    for (const article of many) article.version = 2;
    const stale = await failureOf(verifyRoutes({ baseUrl: varnish.url, routes: expected(), maxFailures: 3 }));
    expect(stale.failures[0]!.reason).toMatch(/^ETag "s\d+-v1-json", expected "s\d+-v2-json"$/);

    const purged = performance.now();
    const report = await createHttpPurger({ url: varnish.url, mode: 'xkey' }).purge({ keys: many.map((a) => `production:article:${a.sourceId}`), paths: [] });
    expect(report.keys).toBe(5_000);
    expect(report.requests).toBeGreaterThan(1);
    const timings = await verifyRoutes({ baseUrl: varnish.url, routes: expected() });
    expect(timings.requests).toBe(5_000);
    // Reported, not asserted (no timing assertions in unit tests).
    console.info(
      `5,000 routes: warm+verify ${Math.round(purged - started)} ms; purge (${report.requests} requests) + verify ${Math.round(performance.now() - purged)} ms; p50 ${timings.p50} ms, p95 ${timings.p95} ms`,
    );
  });
});
