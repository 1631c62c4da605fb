import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet } from '../../src/cli/api-client.js';
import type { Config } from '../../src/config.js';
import { pathOf } from '../../src/http/contract.js';
import { readApi } from '../../src/http/routes/index.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { identifyCandidate } from '../../src/release/build.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { reviseArticles, seedArticles } from '../helpers/release-fixtures.js';

// The release endpoints over HTTP against a real store: the history with what each environment
// serves, the candidate a release would build (and why there is none), one release in detail, the
// audit trail, and the 400s and 404s that name what is wrong. Answers are read through the CLI's
// client, so each also parses with the contract.

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

for (const backend of backends()) {
  describe(`release endpoints (${backend.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let server: Server;
    let config: Config;
    let base = '';
    const ids = { first: '', second: '' };
    const get = (path: string) => fetch(`${base}${path}`);

    const build = async (workflowId: string) => {
      const { plan } = await store.releases.createCandidate({ workflowId, requestedBy: 'tester', only: null, identify: identifyCandidate });
      return plan.releaseId;
    };
    const point = (environment: 'staging' | 'production', releaseId: string, action: string) =>
      store.releases.point({ environment, releaseId, actor: 'tester', action, workflowId: `release-${releaseId}`, reason: `because ${action}` });

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      server = createHttpServer({
        checks: { temporal: () => Promise.resolve(), database: () => Promise.resolve() },
        routes: readApi(store, { identifyCandidate }),
        logger: { warn: () => undefined, error: () => undefined },
      });
      const { port } = await listen(server, 0, '127.0.0.1');
      base = `http://127.0.0.1:${port}`;
      config = { apiUrl: base } as Config;
    });
    afterAll(async () => {
      if (server) await close(server);
      await store?.close();
      await database?.cleanup();
    });

    it('with nothing approved, the candidate is a 409 saying why and the history is empty', async () => {
      await seedArticles(store.db, { prefix: 'p-', count: 2, state: 'pending', reviewer: null });
      const response = await get('/releases/candidate');
      expect(response.status).toBe(409);
      expect(((await response.json()) as { error: string }).error).toMatch(/^nothing to release: no article is approved/);

      const page = await apiGet(config, 'listReleases', '/releases');
      expect(page).toEqual({
        total: 0,
        releases: [],
        environments: [expect.objectContaining({ name: 'production', releaseId: null }), expect.objectContaining({ name: 'staging', releaseId: null })],
        running: null,
      });
    });

    it('names the release a start would build, and it is the id the build then gets', async () => {
      await seedArticles(store.db, { prefix: 'a-', count: 5 });
      const candidate = await apiGet(config, 'releaseCandidate', '/releases/candidate');
      expect(candidate).toMatchObject({ baseRelease: null, articles: 5 });
      expect(candidate.releaseId).toMatch(/^rel-[0-9a-f]{16}$/);
      const only = await apiGet(config, 'releaseCandidate', '/releases/candidate?only=a-000002,a-000001');
      expect(only.articles).toBe(2);
      expect(only.releaseId).not.toBe(candidate.releaseId);

      ids.first = await build('release-first');
      expect(ids.first).toBe(candidate.releaseId);
    });

    it('refuses unknown and unapproved ids in only with a 400 naming each, and malformed ones before the store', async () => {
      const response = await get('/releases/candidate?only=a-000001,zz-999999,p-000001');
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; parameter: string };
      expect(body.parameter).toBe('only');
      expect(body.error).toContain('unknown source ids: zz-999999');
      expect(body.error).toContain('not approved: p-000001 (pending)');

      for (const [query, message] of [
        ['only=', /only: expected only as comma-separated source ids/],
        ['only=a-000001,a-000001', /each once/],
        ['only=A%20B', /only: expected only as comma-separated source ids/],
        ['bogus=1', /unknown query parameter "bogus"/],
      ] as const) {
        const bad = await get(`/releases/candidate?${query}`);
        expect(bad.status, query).toBe(400);
        expect(((await bad.json()) as { error: string }).error).toMatch(message);
      }
    });

    it('lists the history newest first with diff counts, what each environment serves and who holds the lock', async () => {
      await point('staging', ids.first, 'stage');
      await point('production', ids.first, 'promote');
      await store.releases.recordOutcome({ releaseId: ids.first, status: 'live', decision: { by: 'ed', reason: 'looks right', at: new Date().toISOString() } });
      await store.releases.tag(ids.first);
      await store.releases.setChangelog(ids.first, '# first\n- added a-000001\n');

      // Nothing changed since: the candidate is production itself.
      const nothing = await get('/releases/candidate');
      expect(nothing.status).toBe(409);
      expect(((await nothing.json()) as { error: string }).error).toContain(`production (${ids.first}) already serves every approved revision`);

      await reviseArticles(store.db, ['a-000003'], 'approved');
      ids.second = await build('release-second');
      await store.releases.acquireLock('release-second');
      await store.releases.lockRelease('release-second', ids.second);

      const page = await apiGet(config, 'listReleases', '/releases?limit=1');
      expect(page.total).toBe(2);
      expect(page.releases).toHaveLength(1);
      expect(page.releases[0]).toMatchObject({ id: ids.second, kind: 'release', status: 'running', tag: null, articles: 5, baseRelease: ids.first });
      expect(page.releases[0]!.diff).toMatchObject({ added: 0, updated: 1, removed: 0 });
      expect(page.running).toMatchObject({ holder: 'release-second', releaseId: ids.second });
      expect(page.environments.find((e) => e.name === 'production')).toMatchObject({
        releaseId: ids.first,
        tag: expect.stringMatching(/^\d{4}\.\d{2}\.\d{2}-1$/),
      });

      const older = await apiGet(config, 'listReleases', '/releases?offset=1');
      expect(older.releases.map((r) => r.id)).toEqual([ids.first]);
      expect(older.releases[0]).toMatchObject({ status: 'live', requestedBy: 'tester', workflowId: 'release-first', diff: { added: 5 } });
      expect((await apiGet(config, 'listReleases', '/releases?kind=rollback')).total).toBe(0);
      await store.releases.releaseLock('release-second');
    });

    it('shows one release: checks, changelog, decision, audit and a page of its manifest', async () => {
      const detail = await apiGet(config, 'getRelease', `${pathOf('getRelease', { id: ids.first })}?limit=2&offset=1`);
      expect(detail).toMatchObject({
        id: ids.first,
        status: 'live',
        changelog: '# first\n- added a-000001\n',
        decision: { by: 'ed', reason: 'looks right' },
        liveIn: ['production', 'staging'],
        items: { total: 5, limit: 2, offset: 1 },
      });
      expect(detail.items.entries.map((e) => e.sourceId)).toEqual(['a-000002', 'a-000003']);
      expect(detail.audit.map((a) => [a.environment, a.action, a.from, a.to])).toEqual([
        ['staging', 'stage', null, ids.first],
        ['production', 'promote', null, ids.first],
      ]);
      expect((await get('/releases/rel-0000000000000000')).status).toBe(404);
      const bad = await get('/releases/rel-1?limit=0');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { parameter: string }).parameter).toBe('limit');
    });

    it('lists the audit trail newest first, by environment', async () => {
      await point('production', ids.second, 'promote');
      const all = await apiGet(config, 'listAudit', '/audit');
      expect(all.total).toBe(3);
      expect(all.entries.map((e) => e.to)).toEqual([ids.second, ids.first, ids.first]);
      const production = await apiGet(config, 'listAudit', '/audit?environment=production&limit=1');
      expect(production).toMatchObject({ total: 2, entries: [{ environment: 'production', from: ids.first, to: ids.second, reason: 'because promote' }] });
      expect((await get('/audit?environment=dev')).status).toBe(400);
    });

    it('is read-only', async () => {
      const response = await fetch(`${base}/releases`, { method: 'POST' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    });
  });
}

describe('without a candidate namer', () => {
  it('does not serve /releases/candidate, and /releases/:id does not take it for an id', async () => {
    const database = await backends()[0]!.create();
    const store = await openStore(database.config);
    const server = createHttpServer({ checks: { temporal: () => Promise.resolve(), database: () => Promise.resolve() }, routes: readApi(store) });
    try {
      const { port } = await listen(server, 0, '127.0.0.1');
      const response = await fetch(`http://127.0.0.1:${port}/releases/candidate`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: string }).error).toBe(
        'no release "candidate": expected the id of a recorded release (GET /releases lists them)',
      );
    } finally {
      await close(server);
      await store.close();
      await database.cleanup();
    }
  });
});
