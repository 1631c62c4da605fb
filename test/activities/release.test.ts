import type { Server } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReleaseActivities } from '../../src/activities/release.js';
import type { ReleaseActivities } from '../../src/activities/release-types.js';
import type { PurgeReport } from '../../src/domain/release/model.js';
import { readApi } from '../../src/http/routes/index.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { PurgeFailedError, type CachePurger, type PurgeTarget } from '../../src/release/purger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { idOf, replaceCurrentArticle, reviseArticles, sampleArticle, seedArticles, setReview } from '../helpers/release-fixtures.js';

/** A cache that records what it was asked to purge. */
function recordingPurger(): CachePurger & { calls: PurgeTarget[] } {
  const calls: PurgeTarget[] = [];
  return {
    calls,
    purge(target) {
      calls.push(target);
      return Promise.resolve({ keys: target.keys.length, urls: target.paths.length, requests: 1, skipped: false } satisfies PurgeReport);
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** One activity call in a fresh mock context; the mock's own typing loses the result type. */
const run = <I, O>(fn: (input: I) => Promise<O>, input: I, env = new MockActivityEnvironment()) => env.run<[I], O, (input: I) => Promise<O>>(fn, input);

for (const backend of backends()) {
  describe(`release activities on ${backend.name} (MockActivityEnvironment, the real site over HTTP)`, () => {
    let database: TestDatabase;
    let store: Store;
    let server: Server;
    let siteUrl: string;
    let purger: ReturnType<typeof recordingPurger>;
    let activities: ReleaseActivities;
    const ids = { first: '', second: '' };
    const endedHolders = new Set<string>();

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      server = createHttpServer({ checks: { temporal: () => Promise.resolve(), database: () => Promise.resolve() }, routes: readApi(store) });
      const { port } = await listen(server, 0, '127.0.0.1');
      siteUrl = `http://127.0.0.1:${port}`;
      purger = recordingPurger();
      // Every holder's workflow runs here, except the ones a test declares ended.
      activities = createReleaseActivities({ store, purger, siteUrl, holderRunning: (id) => Promise.resolve(!endedHolders.has(id)) });
      await seedArticles(store.db, { prefix: 'r-', count: 40 });
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store?.close();
      await database?.cleanup();
    });

    it('a holder whose workflow ended without giving the lock back (terminated) loses it to the next release', async () => {
      await run(activities.acquireReleaseLock, { workflowId: 'release-stale' });
      const refused = await failure(run(activities.acquireReleaseLock, { workflowId: 'release-next' }));
      expect(refused.message).toContain('workflow release-stale');
      endedHolders.add('release-stale');
      await run(activities.acquireReleaseLock, { workflowId: 'release-next' });
      expect((await store.releases.lockHolder())?.holder).toBe('release-next');
      await run(activities.releaseReleaseLock, { workflowId: 'release-next' });
      expect(await store.releases.lockHolder()).toBeNull();
    });

    it('the release lock: a second workflow is refused, non-retryably, naming the holder', async () => {
      await run(activities.acquireReleaseLock, { workflowId: 'release-one' });
      await run(activities.acquireReleaseLock, { workflowId: 'release-one' });
      const refused = await failure(run(activities.acquireReleaseLock, { workflowId: 'release-two' }));
      expect(refused).toMatchObject({ type: 'ReleaseInProgress', nonRetryable: true });
      expect(refused.message).toContain('workflow release-one');
      await run(activities.releaseReleaseLock, { workflowId: 'release-two' }); // not the holder: nothing happens
      expect((await store.releases.lockHolder())?.holder).toBe('release-one');
    });

    it('builds the release once, however often it is triggered, and the lock names it', async () => {
      const plan = await run(activities.buildRelease, { workflowId: 'release-one', requestedBy: 'ana', only: null });
      expect(plan).toMatchObject({ baseRelease: null, articles: 40, diff: { added: 40, updated: 0, removed: 0 } });
      expect(await run(activities.buildRelease, { workflowId: 'release-one', requestedBy: 'ana', only: null })).toEqual(plan);
      const refused = await failure(run(activities.acquireReleaseLock, { workflowId: 'release-two' }));
      expect(refused.message).toContain(`(release ${plan.releaseId})`);
      ids.first = plan.releaseId;
    });

    it('runs the checks on the stored revisions, heartbeating, and records the report', async () => {
      const env = new MockActivityEnvironment();
      const beats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => beats.push(d));
      const report = await run(activities.runChecks, { releaseId: ids.first }, env);
      expect(report.passed).toBe(true);
      expect(report.results.every((r) => r.passed)).toBe(true);
      expect(beats).toContainEqual({ checked: 40 });
      expect((await store.releases.get(ids.first))?.checks).toEqual(report);
      const missing = await failure(run(activities.runChecks, { releaseId: 'rel-0000000000000000' }));
      expect(missing).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });
    });

    it('stages: points staging, purges exactly the changed routes, and verifies them on the real site', async () => {
      const move = await run(activities.pointEnvironment, {
        environment: 'staging',
        releaseId: ids.first,
        actor: 'ana',
        action: 'stage',
        workflowId: 'release-one',
        reason: null,
      });
      expect(move).toEqual({ environment: 'staging', from: null, to: ids.first });
      const purged = await run(activities.purgeRoutes, { environment: 'staging', releaseId: ids.first, previous: null });
      expect(purged).toMatchObject({ keys: 42, urls: 42 });
      const target = purger.calls.at(-1);
      expect(target?.keys).toContain('staging:article:r-000001');
      expect(target?.keys).toEqual(expect.arrayContaining(['staging:index', 'staging:sitemap']));
      expect(target?.paths).toEqual(expect.arrayContaining(['/staging/articles/article--r-000040', '/staging/', '/staging/sitemap.xml']));
      // The site answers each route 200 with its title under the ETag the release expects.
      const verified = await run(activities.verifyEnvironment, { environment: 'staging', releaseId: ids.first, previous: null });
      expect(verified).toMatchObject({ environment: 'staging', checked: 42, timings: { requests: 42 } });
    });

    it('verification fails, retryably, when the environment does not serve the release', async () => {
      const notThere = await failure(run(activities.verifyEnvironment, { environment: 'production', releaseId: ids.first, previous: null }));
      expect(notThere).toMatchObject({ type: 'VerificationFailed', nonRetryable: false });
      expect(notThere.message).toContain('production points at no release');
      const blind = createReleaseActivities({ store, purger, siteUrl: () => undefined });
      await run(activities.pointEnvironment, {
        environment: 'production',
        releaseId: ids.first,
        actor: 'ana',
        action: 'promote',
        workflowId: 'release-one',
        reason: null,
      });
      expect(await failure(run(blind.verifyEnvironment, { environment: 'production', releaseId: ids.first, previous: null }))).toMatchObject({
        type: 'InvalidConfig',
        nonRetryable: true,
      });
    });

    it('a site that serves other content fails verification, naming the route', async () => {
      // The store says r-000003 changed to content the site does not serve: its title and ETag cannot match.
      const changes = () =>
        Promise.resolve([
          {
            kind: 'added' as const,
            sourceId: 'r-000003',
            slug: 'article--r-000003',
            title: 'not the served title',
            from: null,
            to: 1,
            contentHash: 'not-the-served-hash',
          },
        ]);
      const wrong = createReleaseActivities({ store: { releases: { ...store.releases, changes }, search: store.search }, purger, siteUrl });
      const failed = await failure(run(wrong.verifyEnvironment, { environment: 'production', releaseId: ids.first, previous: null }));
      expect(failed).toMatchObject({ type: 'VerificationFailed', nonRetryable: false });
      expect(failed.message).toContain('/production/articles/article--r-000003');
    });

    it('tags the release and writes its changelog, once', async () => {
      const tagged = await run(activities.tagRelease, { releaseId: ids.first });
      expect(tagged.tag).toMatch(/^\d{4}\.\d{2}\.\d{2}-1$/);
      expect(tagged.changelog).toContain(`## ${tagged.tag} (${ids.first})`);
      expect(tagged.changelog).toContain('40 articles added, 0 updated, 0 removed, in the first release.');
      expect(tagged.changelog).toContain('- title of r-000001 (`r-000001`)');
      expect(await run(activities.tagRelease, { releaseId: ids.first })).toEqual(tagged);
      expect((await store.releases.get(ids.first))?.changelog).toBe(tagged.changelog);
    });

    it('records the outcome with its decision', async () => {
      await run(activities.recordReleaseOutcome, {
        releaseId: ids.first,
        status: 'live',
        checks: null,
        decision: { by: 'ana', reason: 'looks right', at: '2031-01-01T00:00:00.000Z' },
        reason: null,
      });
      expect(await store.releases.get(ids.first)).toMatchObject({ status: 'live', decision: { by: 'ana' }, checks: { passed: true } });
      await run(activities.releaseReleaseLock, { workflowId: 'release-one' });
      expect(await store.releases.lockHolder()).toBeNull();
    });

    it('blocking checks catch content as stored: a flagged article nobody reviewed, an image without an http URL', async () => {
      await reviseArticles(store.db, [idOf('r-', 1), idOf('r-', 2), idOf('r-', 3)], 'approved');
      // Approved by the import policy, with no reviewer, yet flagged for human review.
      await replaceCurrentArticle(store.db, 'r-000001', { ...sampleArticle('r-000001', { needsHumanReview: true }), title: 'title of r-000001 r2' });
      await setReview(store.db, ['r-000001'], 'approved', null);
      const broken = sampleArticle('r-000002');
      broken.meta.images = [{ source: 'example.com', url: 'ftp://example.com/queue.png', caption: 'the queue and its workers' }];
      await replaceCurrentArticle(store.db, 'r-000002', { ...broken, title: 'title of r-000002 r2' });

      const plan = await run(activities.buildRelease, { workflowId: 'release-three', requestedBy: 'ana', only: null });
      expect(plan).toMatchObject({ baseRelease: ids.first, diff: { added: 0, updated: 3, removed: 0 } });
      const report = await run(activities.runChecks, { releaseId: plan.releaseId });
      expect(report.passed).toBe(false);
      const byName = new Map(report.results.map((r) => [r.check, r]));
      expect(byName.get('review-cleared')).toMatchObject({ passed: false, severity: 'blocking', failures: 1, examples: [{ sourceId: 'r-000001' }] });
      expect(byName.get('images-complete')).toMatchObject({ passed: false, severity: 'blocking', failures: 1, examples: [{ sourceId: 'r-000002' }] });
      expect(byName.get('required-fields')?.passed).toBe(true);
      ids.second = plan.releaseId;
    });

    it('only: an unknown or unapproved id is a non-retryable InvalidInput naming it; nothing new is ReleaseNotFound', async () => {
      const bad = await failure(run(activities.buildRelease, { workflowId: 'w', requestedBy: 'ana', only: ['r-000004', 'ghost-1'] }));
      expect(bad).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
      expect(bad.message).toContain('unknown source ids: ghost-1');
      const nothing = await failure(run(activities.buildRelease, { workflowId: 'w', requestedBy: 'ana', only: ['r-000004'] }));
      expect(nothing).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });
    });

    it('promotes a second release, purges only what changed, and rolls back to the first', async () => {
      await run(activities.pointEnvironment, {
        environment: 'production',
        releaseId: ids.second,
        actor: 'ana',
        action: 'promote',
        workflowId: 'w2',
        reason: null,
      });
      await run(activities.purgeRoutes, { environment: 'production', releaseId: ids.second, previous: ids.first });
      expect(purger.calls.at(-1)).toEqual({
        keys: ['production:article:r-000001', 'production:article:r-000002', 'production:article:r-000003', 'production:index', 'production:sitemap'],
        paths: [
          '/production/articles/article--r-000001',
          '/production/articles/article--r-000002',
          '/production/articles/article--r-000003',
          '/production/',
          '/production/sitemap.xml',
        ],
      });
      expect(await run(activities.verifyEnvironment, { environment: 'production', releaseId: ids.second, previous: ids.first })).toMatchObject({ checked: 5 });

      const rollback = await run(activities.planRollback, { workflowId: 'rollback-1', requestedBy: 'ops', target: null });
      expect(rollback).toMatchObject({ target: ids.first, baseRelease: ids.second, diff: { updated: 3 } });
      const move = await run(activities.pointEnvironment, {
        environment: 'production',
        releaseId: rollback.releaseId,
        actor: 'ops',
        action: 'rollback',
        workflowId: 'rollback-1',
        reason: 'broken images',
      });
      expect(move).toEqual({ environment: 'production', from: ids.second, to: rollback.releaseId });
      expect(await run(activities.verifyEnvironment, { environment: 'production', releaseId: rollback.releaseId, previous: ids.second })).toMatchObject({
        checked: 5,
      });
      const tagged = await run(activities.tagRelease, { releaseId: rollback.releaseId });
      expect(tagged.changelog).toContain(`Rollback: production goes back to the content of ${ids.first}.`);
      const none = await failure(run(activities.planRollback, { workflowId: 'rollback-2', requestedBy: 'ops', target: 'rel-0000000000000000' }));
      expect(none).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });
    });

    it('a purge the cache refuses is a retryable PurgeFailed', async () => {
      const refusing = createReleaseActivities({
        store,
        purger: { purge: () => Promise.reject(new PurgeFailedError('cache answered 503')) },
        siteUrl,
      });
      const failed = await failure(run(refusing.purgeRoutes, { environment: 'production', releaseId: ids.second, previous: ids.first }));
      expect(failed).toMatchObject({ type: 'PurgeFailed', nonRetryable: false });
      expect(failed.message).toContain('cache answered 503');
    });
  });
}
