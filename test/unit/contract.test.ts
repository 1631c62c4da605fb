import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet } from '../../src/cli/api-client.js';
import type { Config } from '../../src/config.js';
import { contract, pathOf, type Endpoint } from '../../src/http/contract.js';
import { readApi } from '../../src/http/routes/index.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { articleFixture, pointEnvironment, seedRelease, seedRevision } from '../helpers/site.js';

// One contract for server and client: what a real store answers through the server parses with the
// schemas the CLI uses, and an answer of another shape is an error naming the endpoint.

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

describe('pathOf', () => {
  it('fills route parameters, percent-encoded, and drops route constraints', () => {
    expect(pathOf('getImport', { id: 'a/b c' })).toBe('/imports/a%2Fb%20c');
    expect(pathOf('siteArticle', { env: 'staging', slug: 'x--alphanode-000001' })).toBe('/staging/articles/x--alphanode-000001');
    expect(pathOf('siteIndex', { env: 'production' })).toBe('/production/');
    expect(pathOf('listArticles', {})).toBe('/articles');
  });
});

describe('the CLI and the contract', () => {
  it('imports no store module but the data-dir lock, not even for types', () => {
    const dir = join(import.meta.dirname, '../../src/cli');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter((i) => i.includes('/store/') && !i.endsWith('/store/lock.js')),
        file,
      ).toEqual([]);
    }
  });

  it('refuses an answer of another shape, naming the endpoint and the field', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ total: 'many', articles: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const config = { apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as Config;
      await expect(apiGet(config, 'listArticles', '/articles?limit=1')).rejects.toThrow(/GET \/articles \(listArticles\) in an unexpected shape \(total: /);
    } finally {
      await close(server);
    }
  });
});

const backend = backends()[0]!;

describe(`every endpoint's answer from a real store parses with its contract (${backend.name})`, () => {
  let database: TestDatabase;
  let store: Store;
  let server: Server;
  let config: Config;
  let slug = '';

  beforeAll(async () => {
    database = await backend.create();
    store = await openStore(database.config);
    const article = articleFixture('alphanode-000001', 'A title', { stack: ['node'], entities: [{ name: 'PostgreSQL', type: 'database' }] });
    const contentHash = await seedRevision(store.db, article, 1);
    await seedRelease(store.db, 'rel-1', [{ article, revision: 1, contentHash }], { tag: '2026.01.01-1' });
    await pointEnvironment(store.db, 'staging', 'rel-1');
    slug = (await store.db.query<{ slug: string }>('SELECT slug FROM articles'))[0]!.slug;

    await store.imports.startRun({ runId: 'run-1', workflowId: 'import-abc', source: { paths: ['/x'] }, dryRun: false });
    const counts = { files: 2, documents: 2, created: 1, updated: 0, unchanged: 0, rejected: 1 };
    await store.imports.recordBatch('run-1', 0, 2, counts, [
      { seq: 0, line: 0, path: '/x/a.txt', sourceId: 'alphanode-000001', outcome: 'created', changedFields: null, errors: null },
      { seq: 1, line: 3, path: '/x/b.ndjson', sourceId: null, outcome: 'rejected', changedFields: null, errors: [{ field: 'title', message: 'missing' }] },
    ]);
    await store.imports.quarantine('run-1', {
      path: '/x/b.ndjson',
      line: 3,
      sourceId: null,
      sha256: 'ab'.repeat(32),
      size: 3,
      raw: new Uint8Array([1, 2, 3]),
      errors: [{ field: 'title', message: 'missing' }],
    });
    await store.imports.finishRun({
      importRunId: 'run-1',
      workflowId: 'import-abc',
      status: 'completed',
      dryRun: false,
      total: 2,
      counts,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      runs: 1,
    });

    server = createHttpServer({ checks: { temporal: () => Promise.resolve(), database: () => store.db.ping() }, routes: readApi(store) });
    const { port } = await listen(server, 0, '127.0.0.1');
    config = { apiUrl: `http://127.0.0.1:${port}` } as Config;
  });
  afterAll(async () => {
    if (server) await close(server);
    await store?.close();
    await database?.cleanup();
  });

  it('holds for every JSON endpoint, through the CLI client', async () => {
    const calls: Array<[Endpoint, string]> = [
      ['health', pathOf('health', {})],
      ['listArticles', pathOf('listArticles', {})],
      ['getArticle', pathOf('getArticle', { sourceId: 'alphanode-000001' })],
      ['listRejections', `${pathOf('listRejections', {})}?all=true`],
      ['listImports', pathOf('listImports', {})],
      ['getImport', pathOf('getImport', { id: 'import-abc' })],
      ['importResults', pathOf('importResults', { id: 'run-1' })],
      ['siteIndex', pathOf('siteIndex', { env: 'staging' })],
      ['siteArticle', pathOf('siteArticle', { env: 'staging', slug })],
    ];
    for (const [endpoint, path] of calls) {
      const body = (await apiGet(config, endpoint, path)) as Record<string, unknown>;
      expect(body, endpoint).toBeTypeOf('object');
    }
    const detail = await apiGet(config, 'getArticle', pathOf('getArticle', { sourceId: 'alphanode-000001' }));
    expect(detail.revisions[0]?.article.title).toBe('A title');
    const results = await apiGet(config, 'importResults', pathOf('importResults', { id: 'run-1' }));
    expect(results.results.map((r) => r.outcome)).toEqual(['created', 'rejected']);
    expect((await apiGet(config, 'listRejections', '/rejections')).total).toBe(1);
  });

  it('holds for the text endpoints too', async () => {
    const sitemap = await (await fetch(`${config.apiUrl}${pathOf('sitemap', { env: 'staging' })}`)).text();
    expect(contract.sitemap.response.safeParse(sitemap).success).toBe(true);
    expect(sitemap).toContain(`/staging/articles/${slug}</loc>`);
  });
});
