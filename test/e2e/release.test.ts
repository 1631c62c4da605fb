import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, runReview, startImport, type PressroomClient } from '../../src/client.js';
import { startRelease, startRollback } from '../../src/client/release.js';
import type { Config } from '../../src/config.js';
import type { ReleaseReport } from '../../src/domain/release/input.js';
import type { ManifestEntry } from '../../src/domain/release/model.js';
import { articlePath, indexPath, sitemapPath } from '../../src/domain/site/index.js';
import type { SiteIndex } from '../../src/http/contract.js';
import { previewRelease } from '../../src/release/build.js';
import { expectedArticleEtag, expectedIndexEtag } from '../../src/release/routes.js';
import { titleForms } from '../../src/release/verify.js';
import { freePort } from '../../src/temporal/ports.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { approveReleaseUpdate } from '../../src/workflows/messages.js';
import type { releaseWorkflow } from '../../src/workflows/release.js';
import { writeCorpus, type Corpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { dropSummary, get, reachStep, restore, retitle, type Fetched } from '../helpers/release-e2e.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';
import { startVarnish, type RunningVarnish } from '../helpers/varnish.js';

// Releases end to end: the dev server, a worker in this process with its real activities, a real
// database and a real Varnish in front of the worker's site routes. The worker purges Varnish
// (CACHE_PURGE_URL) and verifies through it (SITE_URL), as in production.

const SEED = 47;
const ARTICLES = 8;

/** How a run ended: its report, whether it went live or failed (a failure carries the report in its details). */
async function outcome(result: Promise<ReleaseReport>): Promise<{ report: ReleaseReport; type: string | null }> {
  try {
    return { report: await result, type: null };
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
    return { report: cause.details?.[0] as ReleaseReport, type: cause.type ?? 'unknown' };
  }
}

const key = (e: Pick<ManifestEntry, 'sourceId' | 'revision' | 'contentHash'>) => `${e.sourceId}@${e.revision}:${e.contentHash}`;

for (const backend of backends()) {
  describe(`release end to end: dev server + worker + Varnish + ${backend.name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-release-'));
    let database: TestDatabase;
    let varnish: RunningVarnish;
    let config: Config;
    let worker: RunningWorker;
    let pc: PressroomClient;
    let corpus: Corpus;
    /** The site straight from the worker, bypassing the cache. */
    let origin: string;
    /** Production as it was after the first release: what a rollback must serve again. */
    let first: { releaseId: string; etags: Map<string, string>; titles: Map<string, string> };

    const ids = () => corpus.good.map((d) => d.sourceId);
    const releases = () => worker.store.releases;

    const importCorpus = async () => {
      const { handle } = await startImport(pc, { paths: [corpus.dir], batchSize: 50, concurrency: 2 });
      return handle.result();
    };
    const approve = (sourceIds: string[]) => runReview(pc, { decision: 'approve', sourceIds, reviewer: 'ed' });
    /** The production index as the worker serves it: its release and what it lists. */
    const productionIndex = async (base = origin) => {
      const read = await get(base, indexPath('production'));
      expect(read.status).toBe(200);
      return JSON.parse(read.body) as SiteIndex;
    };
    const slugOf = async (sourceId: string) => (await productionIndex()).articles.find((a) => a.sourceId === sourceId)!.slug;

    /** Starts the release of every approved change (named as a client names it), without auto-approval. */
    const trigger = async () => {
      const preview = await previewRelease(worker.store, null);
      return startRelease(pc, { requestedBy: 'ed', autoApprove: false }, preview.releaseId);
    };
    /** Triggers a release, approves it through the update once it waits, and returns how it ended. */
    const release = async () => {
      const { handle } = await trigger();
      await reachStep(handle, 'awaiting-approval');
      await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'read on staging' }] });
      return outcome(handle.result());
    };
    const serving = async () => (await releases().environments()).find((e) => e.name === 'production')!.releaseId;

    beforeAll(async () => {
      database = await backend.create();
      const port = await freePort();
      varnish = await startVarnish({ backend: { host: '127.0.0.1', port } });
      const base = testConfig(database.config, { REVIEW_POLICY: 'all', CACHE_PURGE_URL: varnish.url, SITE_URL: varnish.url });
      config = { ...base, http: { ...base.http, port } };
      worker = await startWorker(config, { workflowBundle: workflowBundle() });
      origin = worker.httpUrl!;
      pc = await connectClient(config);
      corpus = writeCorpus(join(root, 'corpus'), { seed: SEED, count: ARTICLES });
    });
    afterAll(async () => {
      await pc?.close();
      await worker?.shutdown();
      await varnish?.stop();
      await database?.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    it('import, review, release: production serves every approved article through the cache', async () => {
      expect((await importCorpus()).counts).toMatchObject({ created: ARTICLES, rejected: 0 });
      // Nothing is published yet; the 404 is not cached (the release that publishes must not be hidden by it).
      expect((await get(varnish.url, indexPath('production'))).status).toBe(404);
      expect((await get(varnish.url, indexPath('production'))).cache).toBe('MISS');
      // REVIEW_POLICY=all: nothing is approved, so there is nothing to release until review.
      await expect(previewRelease(worker.store, null)).rejects.toMatchObject({ type: 'ReleaseNotFound' });
      expect((await approve(ids())).changed).toHaveLength(ARTICLES);

      const { report, type } = await release();
      expect(type, report?.reason ?? '').toBeNull();
      expect(report).toMatchObject({
        step: 'live',
        status: 'live',
        decision: { by: 'lead', reason: 'read on staging', approved: true },
        plan: { baseRelease: null, articles: ARTICLES, diff: { added: ARTICLES, updated: 0, removed: 0 } },
        purge: { keys: ARTICLES + 2, skipped: false },
        production: { environment: 'production', checked: ARTICLES + 2 },
        rollbackCommand: null,
      });
      expect(report.tag).toMatch(/^\d{4}\.\d{2}\.\d{2}-\d+$/);
      expect(await serving()).toBe(report.releaseId);

      const index = await productionIndex(varnish.url);
      expect(index.release).toMatchObject({ id: report.releaseId, tag: report.tag });
      expect(index.articles.map((a) => a.sourceId).sort()).toEqual(ids().sort());
      const etags = new Map<string, string>();
      const titles = new Map<string, string>();
      for (const article of index.articles) {
        const page = await get(varnish.url, articlePath('production', article.slug));
        expect(page.status).toBe(200);
        expect(page.etag).toBe(expectedArticleEtag('production', article));
        expect((JSON.parse(page.body) as { title: string }).title).toBe(article.title);
        const html = await get(varnish.url, articlePath('production', article.slug), true);
        expect(titleForms(article.title).some((form) => html.body.includes(form))).toBe(true);
        etags.set(article.sourceId, page.etag!);
        titles.set(article.sourceId, article.title);
      }
      first = { releaseId: report.releaseId!, etags, titles };
    });

    it('an update purges only its own page, the index and the sitemap: unchanged pages stay cached', async () => {
      const changed = corpus.good[2]!;
      const unchanged = corpus.good.filter((d) => d !== changed).map((d) => d.sourceId);
      const slugs = new Map((await productionIndex()).articles.map((a) => [a.sourceId, a.slug]));
      const pages = [...slugs].map(([sourceId, slug]) => ({ sourceId, path: articlePath('production', slug) }));
      const routes = [...pages.map((p) => p.path), indexPath('production'), sitemapPath('production')];

      // Warm the cache: three GETs of each representation, the last two hits.
      const warmed = new Map<string, Fetched>();
      for (const path of routes) {
        for (const html of [false, true]) {
          let last: Fetched | undefined;
          for (let i = 0; i < 3; i++) last = await get(varnish.url, path, html);
          expect(last!.cache, path).toBe('HIT');
          warmed.set(`${html ? 'html' : 'json'} ${path}`, last!);
        }
      }

      retitle(corpus.dir, changed, 'revised for the second release');
      expect((await importCorpus()).counts).toMatchObject({ updated: 1, unchanged: ARTICLES - 1 });
      await approve([changed.sourceId]);
      const newTitle = (await worker.store.articles.get(changed.sourceId))!.title;
      expect(newTitle).toContain('revised for the second release');

      const { report, type } = await release();
      expect(type, report?.reason ?? '').toBeNull();
      expect(report).toMatchObject({
        status: 'live',
        plan: { baseRelease: first.releaseId, diff: { added: 0, updated: 1, removed: 0, sample: { updated: [changed.sourceId] } } },
        // One article's key, the index's and the sitemap's: nothing else was purged.
        purge: { keys: 3, skipped: false },
        rollbackCommand: `pressroom rollback ${first.releaseId}`,
      });

      const changedPath = articlePath('production', slugs.get(changed.sourceId)!);
      // The HTML page was purged and nobody fetched it since: a miss, the new title, then cached again.
      const html = await get(varnish.url, changedPath, true);
      expect(html.cache).toBe('MISS');
      expect(titleForms(newTitle).some((form) => html.body.includes(form))).toBe(true);
      expect(html.etag).not.toBe(warmed.get(`html ${changedPath}`)!.etag);
      expect((await get(varnish.url, changedPath, true)).cache).toBe('HIT');
      // The JSON page was refetched by production's verification (the object's hit count started over), with its new ETag.
      const json = await get(varnish.url, changedPath);
      const published = (await productionIndex()).articles.find((a) => a.sourceId === changed.sourceId)!;
      expect(published.revision).toBe(2);
      expect(json.etag).toBe(expectedArticleEtag('production', published));
      expect(json.etag).not.toBe(first.etags.get(changed.sourceId));
      expect((JSON.parse(json.body) as { title: string }).title).toBe(newTitle);
      expect(json.hits).toBeLessThanOrEqual(1);

      // Every unchanged page is still the object cached before the release: a hit, its hit count going on.
      for (const page of pages.filter((p) => unchanged.includes(p.sourceId))) {
        for (const representation of ['json', 'html'] as const) {
          const before = warmed.get(`${representation} ${page.path}`)!;
          const after = await get(varnish.url, page.path, representation === 'html');
          expect(after.cache, `${representation} ${page.path}`).toBe('HIT');
          expect(after.hits, `${representation} ${page.path}`).toBe(before.hits! + 1);
          expect(after.etag).toBe(before.etag);
          expect(after.body).toBe(before.body);
        }
      }

      // The index and the sitemap were purged: the HTML index is a miss, and what verification refetched starts a new count.
      const indexHtml = await get(varnish.url, indexPath('production'), true);
      expect(indexHtml.cache).toBe('MISS');
      expect(titleForms(newTitle).some((form) => indexHtml.body.includes(form))).toBe(true);
      const indexJson = await get(varnish.url, indexPath('production'));
      expect(indexJson.etag).toBe(expectedIndexEtag('production', (JSON.parse(indexJson.body) as SiteIndex).release));
      expect(indexJson.etag).not.toBe(warmed.get(`json ${indexPath('production')}`)!.etag);
      expect(indexJson.hits).toBeLessThanOrEqual(1);
      const sitemap = await get(varnish.url, sitemapPath('production'));
      expect(sitemap.status).toBe(200);
      expect(sitemap.hits).toBeLessThanOrEqual(1);
      expect((await get(varnish.url, sitemapPath('production'), true)).cache).toBe('MISS');
    });

    it('a rollback serves the previous release again, fresh through the cache', async () => {
      const current = (await serving())!;
      const changed = corpus.good[2]!;
      const path = articlePath('production', await slugOf(changed.sourceId));
      expect((await get(varnish.url, path, true)).cache).toBe('HIT');

      const { handle } = await startRollback(pc, { requestedBy: 'lead', reason: 'the new title reads badly' });
      const { report, type } = await outcome(handle.result());
      expect(type, report?.reason ?? '').toBeNull();
      expect(report).toMatchObject({ kind: 'rollback', status: 'live', target: first.releaseId, plan: { baseRelease: current }, purge: { keys: 3 } });

      // Production is a rollback record serving the first release's manifest.
      const rollbackId = (await serving())!;
      expect(rollbackId).toBe(report.releaseId);
      const restored = (await releases().manifest(rollbackId, { limit: 100, offset: 0 })).entries.map(key).sort();
      expect(restored).toEqual((await releases().manifest(first.releaseId, { limit: 100, offset: 0 })).entries.map(key).sort());

      const html = await get(varnish.url, path, true);
      expect(html.cache).toBe('MISS');
      expect(titleForms(first.titles.get(changed.sourceId)!).some((form) => html.body.includes(form))).toBe(true);
      const json = await get(varnish.url, path);
      expect(json.etag).toBe(first.etags.get(changed.sourceId));
      expect((JSON.parse(json.body) as { title: string }).title).toBe(first.titles.get(changed.sourceId));

      const audit = await releases().audit({ limit: 10, offset: 0, environment: 'production' });
      expect(audit.entries[0]).toMatchObject({ action: 'rollback', actor: 'lead', from: current, to: rollbackId, reason: 'the new title reads badly' });
    });

    it('the same release triggered twice at once runs once: one tag, one promotion in the audit', async () => {
      const changed = corpus.good[4]!;
      retitle(corpus.dir, changed, 'triggered twice');
      await importCorpus();
      await approve([changed.sourceId]);
      const auditBefore = (await releases().audit({ limit: 1, offset: 0, environment: 'production' })).total;

      const [a, b] = await Promise.all([trigger(), trigger()]);
      expect(b.handle.workflowId).toBe(a.handle.workflowId);
      const [runA, runB] = await Promise.all([a.handle.describe(), b.handle.describe()]);
      expect(runB.runId).toBe(runA.runId);
      await reachStep(a.handle, 'awaiting-approval');
      // A third trigger of the same candidate under a workflow id of its own is refused by the release lock.
      const stray = await pc.client.workflow.start<typeof releaseWorkflow>('releaseWorkflow', {
        taskQueue: config.temporal.taskQueue,
        workflowId: `${a.handle.workflowId}-stray`,
        args: [{ requestedBy: 'ed', only: null, autoApprove: false, approvalTimeoutMs: 3_600_000 }],
      });
      const strayOutcome = await outcome(stray.result());
      expect(strayOutcome.type).toBe('ReleaseInProgress');
      expect(strayOutcome.report.reason).toContain(a.handle.workflowId);

      await b.handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'twice is once' }] });
      const [ra, rb] = await Promise.all([outcome(a.handle.result()), outcome(b.handle.result())]);
      expect(ra.type, ra.report?.reason ?? '').toBeNull();
      expect(rb.report).toEqual(ra.report);

      const releaseId = ra.report.releaseId!;
      const audit = await releases().audit({ limit: 20, offset: 0, environment: 'production' });
      expect(audit.total).toBe(auditBefore + 1);
      expect(audit.entries.filter((e) => e.to === releaseId)).toEqual([expect.objectContaining({ action: 'promote', actor: 'lead' })]);
      const tagged = (await releases().list({ limit: 100, offset: 0 })).items.filter((r) => r.tag !== null);
      expect(tagged.filter((r) => r.id === releaseId)).toHaveLength(1);
      expect(new Set(tagged.map((r) => r.tag)).size).toBe(tagged.length);
      expect(await serving()).toBe(releaseId);
    });

    it('readers during a promotion see one release or the other, never a mix', async () => {
      const changed = [corpus.good[0]!, corpus.good[5]!, corpus.good[7]!];
      for (const doc of changed) retitle(corpus.dir, doc, 'read during promotion');
      await importCorpus();
      await approve(changed.map((d) => d.sourceId));
      const before = (await serving())!;

      const { handle } = await trigger();
      const waiting = await reachStep(handle, 'awaiting-approval');
      const after = waiting.releaseId!;
      const manifests = new Map<string, string[]>();
      for (const id of [before, after]) manifests.set(id, (await releases().manifest(id, { limit: 100, offset: 0 })).entries.map(key).sort());
      expect(manifests.get(before)).not.toEqual(manifests.get(after));

      // Readers hammer the worker itself (no cache between) from before the approval until after the release is live.
      let done = false;
      const seen: Array<{ release: string; articles: string[] }> = [];
      const reader = async () => {
        while (!done) {
          const index = await productionIndex();
          seen.push({ release: index.release.id, articles: index.articles.map(key).sort() });
        }
      };
      const readers = Promise.all([reader(), reader(), reader()]);
      await new Promise((r) => setTimeout(r, 100));
      await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'promote under load' }] });
      const { report, type } = await outcome(handle.result());
      await new Promise((r) => setTimeout(r, 100));
      done = true;
      await readers;
      expect(type, report?.reason ?? '').toBeNull();

      for (const read of seen) {
        expect([before, after]).toContain(read.release);
        // Every article of the response belongs to the release the response names: the old manifest or the new one, whole.
        expect(read.articles).toEqual(manifests.get(read.release));
      }
      const releasesSeen = seen.map((s) => s.release);
      expect(releasesSeen[0]).toBe(before);
      expect(releasesSeen.at(-1)).toBe(after);
      // Once a reader saw the new release, nobody saw the old one again.
      expect(releasesSeen.slice(releasesSeen.indexOf(after)).every((r) => r === after)).toBe(true);
    });

    it('a blocking check failure stops the release before staging: production is byte for byte unchanged', async () => {
      const broken = corpus.good[1]!;
      const environmentsBefore = await releases().environments();
      const slugs = (await productionIndex()).articles.map((a) => a.slug);
      const routes = [...slugs.map((slug) => articlePath('production', slug)), indexPath('production'), sitemapPath('production')];
      const snapshot = async (base: string) => {
        const shots: Array<Omit<Fetched, 'cache' | 'hits'>> = [];
        for (const path of routes)
          for (const html of [false, true]) {
            const { status, etag, body } = await get(base, path, html);
            shots.push({ status, etag, body });
          }
        return shots;
      };
      const before = await snapshot(origin);
      const cachedBefore = await snapshot(varnish.url);

      // Still a valid export (it imports), but with no summary the release's required-fields check blocks it.
      dropSummary(corpus.dir, broken);
      expect((await importCorpus()).counts).toMatchObject({ updated: 1, rejected: 0 });
      await approve([broken.sourceId]);

      const { report, type } = await outcome(trigger().then(({ handle }) => handle.result()));
      expect(type).toBe('ChecksFailed');
      expect(report).toMatchObject({ step: 'failed', status: 'failed', staging: null, purge: null, tag: null, decision: null });
      const failed = report.checks!.results.filter((r) => !r.passed);
      const required = failed.find((r) => r.check === 'required-fields');
      expect(required).toMatchObject({ severity: 'blocking', failures: 1, examples: [{ sourceId: broken.sourceId }] });
      expect(required!.examples[0]!.message).toContain('meta.summary');
      // Only the broken article fails a blocking check.
      expect(failed.filter((r) => r.severity === 'blocking')).toEqual([required]);

      expect(await releases().environments()).toEqual(environmentsBefore);
      expect(await snapshot(origin)).toEqual(before);
      expect(await snapshot(varnish.url)).toEqual(cachedBefore);
      expect((await releases().get(report.releaseId!))?.status).toBe('failed');

      // The lock was given back: fixing the export lets the next release through.
      restore(corpus.dir, broken);
      retitle(corpus.dir, broken, 'with its summary back');
      await importCorpus();
      await approve([broken.sourceId]);
      const next = await release();
      expect(next.type, next.report?.reason ?? '').toBeNull();
      expect(next.report.plan?.diff).toMatchObject({ updated: 1, sample: { updated: [broken.sourceId] } });
    });
  });
}
