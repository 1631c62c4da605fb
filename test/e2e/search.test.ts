import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, runReview, startImport, type PressroomClient } from '../../src/client.js';
import { startRelease } from '../../src/client/release.js';
import { reindexResult, startReindex } from '../../src/client/reindex.js';
import type { Config } from '../../src/config.js';
import type { ReleaseReport } from '../../src/domain/release/input.js';
import { WorkflowIds } from '../../src/domain/names.js';
import type { ReindexReport } from '../../src/domain/search/input.js';
import { articlePath } from '../../src/domain/site/index.js';
import type { SearchResults, SiteArticle } from '../../src/http/contract.js';
import { previewRelease } from '../../src/release/build.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { approveReleaseUpdate } from '../../src/workflows/messages.js';
import { writeCorpus, type Corpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { get, reachStep, retitle } from '../helpers/release-e2e.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

// Search end to end: the dev server, a worker in this process with its real activities, and a real
// database. Import → release → full reindex → search; a second release refreshes the live generation
// through the incremental child the promotion starts; a loop of searches runs through a full reindex
// and its swap without one failure; rollback brings the previous generation's results back.

const SEED = 53;
const ARTICLES = 40;

for (const backend of backends()) {
  describe(`search end to end: dev server + worker + ${backend.name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-search-'));
    let database: TestDatabase;
    let config: Config;
    let worker: RunningWorker;
    let pc: PressroomClient;
    let corpus: Corpus;
    let origin: string;
    let firstRelease: string;

    const search = async (params: Record<string, string>): Promise<{ status: number; body: SearchResults & { error?: string } }> => {
      const read = await get(origin, `/search?${new URLSearchParams(params).toString()}`);
      return { status: read.status, body: JSON.parse(read.body) as SearchResults & { error?: string } };
    };
    const importAndRelease = async (): Promise<ReleaseReport> => {
      const imported = await startImport(pc, { paths: [corpus.dir], batchSize: 50, concurrency: 2 });
      await imported.handle.result();
      // Flagged articles need a reviewer whatever the policy: the release's checks block them otherwise.
      await runReview(pc, { decision: 'approve', sourceIds: corpus.good.map((d) => d.sourceId), reviewer: 'ed' });
      const preview = await previewRelease(worker.store, null);
      const { handle } = await startRelease(pc, { requestedBy: 'ed', autoApprove: false }, preview.releaseId);
      // The synthesized exports trip warning checks (reading time), so a person approves.
      await reachStep(handle, 'awaiting-approval');
      await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'lead', reason: 'read on staging' }] });
      return handle.result();
    };
    /** The zero-downtime test hammers the database while it runs: latency is the benchmark's to judge, so it gets a wide grace here. */
    const fullReindex = async (latencyGraceMs?: number): Promise<ReindexReport> => {
      const { handle } = await startReindex(pc, {
        mode: 'full',
        requestedBy: 'tester',
        batchSize: 7,
        ...(latencyGraceMs ? { verify: { latencyGraceMs } } : {}),
      });
      return handle.result();
    };

    /** The real `pressroom` binary against this worker: exit code and output. */
    const cli = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((done) => {
        const child = spawn(process.execPath, ['bin/pressroom.mjs', ...args], {
          env: { ...process.env, TEMPORAL_ADDRESS: config.temporal.address, TASK_QUEUE: config.temporal.taskQueue, PRESSROOM_API_URL: origin },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('exit', (code) => done({ code, stdout, stderr }));
      });

    beforeAll(async () => {
      database = await backend.create();
      config = testConfig(database.config, { REVIEW_POLICY: 'none' });
      worker = await startWorker(config, { workflowBundle: workflowBundle() });
      origin = worker.httpUrl!;
      pc = await connectClient(config);
      corpus = writeCorpus(join(root, 'corpus'), { seed: SEED, count: ARTICLES });
      firstRelease = (await importAndRelease()).releaseId!;
    });
    afterAll(async () => {
      await pc?.close();
      await worker?.shutdown();
      await database?.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    it('before any reindex, search answers 503 and the promotion’s incremental child fails for want of an index', async () => {
      const before = await search({ q: 'background jobs' });
      expect(before.status).toBe(503);
      expect(before.body.error).toMatch(/no search index yet.*reindex --full/);
      const child = await reindexResult(pc, WorkflowIds.reindexIncremental(firstRelease));
      expect(child).toMatchObject({ kind: 'ended', type: 'SearchIndexNotFound' });
    });

    it('a full reindex builds generation 1 from production, verified, and search finds what was released', async () => {
      const report = await fullReindex();
      expect(report).toMatchObject({ mode: 'full', generation: 1, previous: null, swapped: true, documents: ARTICLES, failed: 0, similar: ARTICLES });
      expect(report.watermark?.releaseId).toBe(firstRelease);
      expect(report.verification?.passed).toBe(true);
      expect(report.verification?.checks.map((c) => c.name)).toEqual(['count', 'golden', 'failures', 'plan', 'latency']);

      const doc = corpus.good[3]!;
      const { status, body } = await search({ q: doc.expected!.title });
      expect(status).toBe(200);
      expect(body.generation).toBe(1);
      expect(body.hits.slice(0, 3).some((h) => h.titleMatch)).toBe(true);
      const titles = body.hits.slice(0, 3).map((h) => h.title);
      expect(titles).toContain(doc.expected!.title);
      for (const hit of body.hits) expect(hit.path).toBe(articlePath('production', hit.slug));
      // Snippets are escaped HTML around the marks.
      expect(body.hits[0]!.snippet).toMatch(/<mark>[^<]+<\/mark>/);
      expect(body.hits[0]!.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
    });

    it('filters narrow the results to what they name', async () => {
      const tool = corpus.good[0]!.expected!.meta.tools![0]!;
      const withTool = await search({ q: 'the', tool });
      // `the` is a stop word: no lexeme, no results, no error.
      expect(withTool).toMatchObject({ status: 200, body: { total: 0, hits: [] } });
      const problem = corpus.good[0]!.expected!.meta.outline!.problem!;
      const all = await search({ q: problem });
      const filtered = await search({ q: problem, tool });
      expect(filtered.status).toBe(200);
      expect(filtered.body.total).toBeGreaterThan(0);
      expect(filtered.body.total).toBeLessThanOrEqual(all.body.total);
      for (const hit of filtered.body.hits) expect(hit.tools).toContain(tool.toLowerCase());
      for (const difficulty of ['beginner', 'advanced']) {
        const byDifficulty = await search({ q: problem, difficulty });
        for (const hit of byDifficulty.body.hits) expect(hit.difficulty).toBe(difficulty);
      }
      const stack = corpus.good[0]!.expected!.meta.stack![0]!;
      const byStack = await search({ q: problem, stack });
      expect(byStack.body.total).toBeGreaterThan(0);
      for (const hit of byStack.body.hits) expect(hit.stack).toContain(stack.toLowerCase());
      const language = corpus.good[0]!.expected!.meta.codeLanguage!;
      const byLanguage = await search({ q: problem, codeLanguage: language.toUpperCase() });
      expect(byLanguage.body.total).toBeGreaterThan(0);
      const none = await search({ q: problem, tool: 'no-such-tool-anywhere' });
      expect(none.body).toMatchObject({ total: 0, hits: [] });
    });

    it('article pages carry 5 similar posts, never the article itself, in JSON and in HTML', async () => {
      for (const doc of corpus.good.slice(0, 5)) {
        const hit = (await search({ q: doc.expected!.title })).body.hits.find((h) => h.sourceId === doc.sourceId)!;
        expect(hit).toBeDefined();
        const json = await get(origin, articlePath('production', hit.slug));
        expect(json.status).toBe(200);
        const page = JSON.parse(json.body) as SiteArticle;
        expect(page.similar).toHaveLength(5);
        expect(page.similar.map((s) => s.sourceId)).not.toContain(doc.sourceId);
        expect(new Set(page.similar.map((s) => s.sourceId)).size).toBe(5);
        const html = await get(origin, articlePath('production', hit.slug), true);
        expect(html.body).toContain('<h2>Similar posts</h2>');
        for (const similar of page.similar) expect(html.body).toContain(`href="${articlePath('production', similar.slug)}"`);
      }
    });

    it('a second release updates only the changed articles in the live generation, through the incremental child it starts', async () => {
      const changed = corpus.good.slice(10, 12);
      const titles = changed.map((doc, i) => retitle(corpus.dir, doc, `zanzibarite${i}`));
      const report = await importAndRelease();
      const incremental = await reindexResult(pc, WorkflowIds.reindexIncremental(report.releaseId!));
      expect(incremental.kind, incremental.kind === 'ended' ? incremental.message : '').toBe('done');
      const done = (incremental as { report: ReindexReport }).report;
      expect(done).toMatchObject({ mode: 'incremental', generation: 1, caughtUp: { upserted: 2, removed: 0 }, similar: 2 });
      expect(done.watermark?.releaseId).toBe(report.releaseId);
      const found = await search({ q: 'zanzibarite0' });
      expect(found.body.hits.map((h) => h.title)).toEqual([titles[0]]);
      // The other articles were not rewritten: still the documents generation 1 was filled with.
      const generations = await worker.store.search.generations();
      expect(generations.find((g) => g.id === 1)).toMatchObject({ live: true, documents: ARTICLES });
    });

    it('searches during a full reindex and its swap never fail, and a term in every generation is never empty; rollback restores the previous results', async () => {
      const term = corpus.good[0]!.expected!.meta.outline!.problem!;
      const before = await search({ q: term });
      expect(before.body.total).toBeGreaterThan(0);
      let running = true;
      const seen = { searches: 0, failures: [] as string[], empty: 0, generations: new Set<number>() };
      const loop = async () => {
        while (running) {
          const r = await search({ q: term }).catch((error: Error) => ({ status: 0, body: { error: error.message } as SearchResults & { error?: string } }));
          seen.searches++;
          if (r.status !== 200) seen.failures.push(`${r.status} ${r.body.error ?? ''}`);
          else {
            seen.generations.add(r.body.generation);
            if (r.body.total === 0) seen.empty++;
          }
        }
      };
      const loops = [loop(), loop()];
      const report = await fullReindex(1_000).finally(() => {
        running = false;
      });
      await Promise.all(loops);
      expect(report).toMatchObject({ generation: 2, previous: 1, swapped: true, documents: ARTICLES });
      expect(seen.failures).toEqual([]);
      expect(seen.empty).toBe(0);
      expect(seen.searches).toBeGreaterThan(5);
      const after = await search({ q: term });
      expect(after.body.generation).toBe(2);
      expect(after.body.hits.map((h) => h.sourceId)).toEqual(before.body.hits.map((h) => h.sourceId));

      // Generation 2 learns something generation 1 never will (no promotion: written straight through the store).
      await worker.store.db.query(`UPDATE search_g2 SET tsv = tsv || to_tsvector('english', 'quetzalcoatlite') WHERE source_id = $1`, [
        corpus.good[0]!.sourceId,
      ]);
      expect((await search({ q: 'quetzalcoatlite' })).body.total).toBe(1);
      const { handle } = await startReindex(pc, { mode: 'rollback', requestedBy: 'tester' });
      const rolled = await handle.result();
      expect(rolled).toMatchObject({ mode: 'rollback', generation: 1, previous: 2, swapped: true });
      const restored = await search({ q: term });
      expect(restored.body.generation).toBe(1);
      expect(restored.body.hits.map((h) => h.sourceId)).toEqual(before.body.hits.map((h) => h.sourceId));
      expect((await search({ q: 'quetzalcoatlite' })).body.total).toBe(0);
      const generations = await worker.store.search.generations();
      expect(generations.map((g) => [g.id, g.status])).toEqual([
        [2, 'kept'],
        [1, 'live'],
      ]);
    });

    it('the pressroom CLI: reindex --full --wait with its progress and report, search, generations, rollback; bad flags are usage errors', async () => {
      // Timings on a shared two-core machine running other test files: the latency check gets a wide grace, which
      // also shows --latency-grace-ms reaching the workflow's verification.
      const full = await cli('reindex', '--full', '--wait', '--json', '--by', 'ops', '--latency-grace-ms', '1000');
      expect(full.code, full.stderr).toBe(0);
      const done = JSON.parse(full.stdout) as { workflowId: string; status: string; report: ReindexReport };
      expect(done).toMatchObject({
        workflowId: 'reindex-full',
        status: 'completed',
        report: { mode: 'full', generation: 3, previous: 1, swapped: true, requestedBy: 'ops' },
      });
      expect(done.report.verification?.checks.find((c) => c.name === 'latency')?.expected).toMatch(/within 1000 ms/);

      const human = await cli('reindex', '--full', '--wait', '--latency-grace-ms', '1000');
      expect(human.code, human.stderr).toBe(0);
      // Not a terminal: one progress line per change on stderr, then the report on stdout.
      expect(human.stderr).toMatch(/\] +\d+% full generation 4: /);
      expect(human.stdout).toMatch(/^generation 4 is live \(was 3\): 40 documents/m);
      expect(human.stdout).toMatch(/ok {3}golden: /);

      const title = corpus.good[5]!.expected!.title;
      const found = await cli('search', ...title.split(' '), '--json');
      expect(found.code, found.stderr).toBe(0);
      const result = JSON.parse(found.stdout) as SearchResults;
      expect(result.generation).toBe(4);
      expect(result.hits.slice(0, 3).map((h) => h.title)).toContain(title);
      const listed = await cli('search', 'background', 'jobs');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/result\(s\) for "background jobs", page 1 of \d+ \(generation 4\)/);
      expect(listed.stdout).toMatch(/\*background\* \*jobs\*|\*background\*/);

      const generations = await cli('reindex', 'generations', '--json');
      expect(JSON.parse(generations.stdout)).toMatchObject({ live: 4 });
      const back = await cli('reindex', 'rollback', '--json');
      expect(back.code, back.stderr).toBe(0);
      expect(JSON.parse(back.stdout)).toMatchObject({ status: 'completed', report: { mode: 'rollback', generation: 3, previous: 4 } });

      expect((await cli('search', 'jobs', '--page', '0')).code).toBe(2);
      expect((await cli('reindex', '--batch-size', '10')).code).toBe(2);
      expect((await cli('reindex', '--latency-grace-ms', '10')).code).toBe(2);
      const tooMuch = await cli('reindex', '--full', '--latency-grace-ms', '5000');
      expect(tooMuch.code).toBe(2);
      expect(tooMuch.stderr).toMatch(/--latency-grace-ms/);
      const empty = await cli('search', ' ');
      expect(empty.code).toBe(1);
      expect(empty.stderr).toMatch(/q: expected q as a search query of 1 to 256 characters/);
    });
  });
}
