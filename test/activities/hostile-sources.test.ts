// The import activities against hostile and careless sources (issue 8, items 4, 8, 9, 11, 15, 16):
// a symlink out of the source, a source named twice or through an alias, an .ndjson stream split into
// batches by line, a sourceId repeated inside one source, a cancelled listing, a name that is not UTF-8.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportActivities, type BatchInput, type ImportActivities, type ListSourceInput } from '../../src/activities/import.js';
import { parse, type Article } from '../../src/domain/article/index.js';
import { ZERO_COUNTS, addCounts, type ImportCounts } from '../../src/domain/import/index.js';
import type { ReviewPolicy } from '../../src/domain/review.js';
import { openStore, type Store } from '../../src/store/index.js';
import { VALID_EXPORT } from '../domain/fixtures.js';
import { backends, type Backend } from '../helpers/db.js';

const root = mkdtempSync(join(tmpdir(), 'pressroom-hostile-'));

function article(sourceId: string, title: string): Article {
  const result = parse(VALID_EXPORT);
  if (!result.ok) throw new Error('fixture must parse');
  const a = structuredClone(result.article);
  a.sourceId = sourceId;
  a.title = title;
  (a.meta.payload as { sourceId: string }).sourceId = sourceId;
  return a;
}

const list = (activities: ImportActivities, importRunId: string, paths: string[], dryRun = false) =>
  new MockActivityEnvironment().run<[ListSourceInput], { total: number }, ImportActivities['listSource']>(activities.listSource, {
    importRunId,
    workflowId: `wf-${importRunId}`,
    paths,
    dryRun,
  });
const batch = (activities: ImportActivities, importRunId: string, from: number, to: number, dryRun = false) =>
  new MockActivityEnvironment().run<[BatchInput], ImportCounts, ImportActivities['importBatch']>(activities.importBatch, { importRunId, from, to, dryRun });

async function importAll(
  activities: ImportActivities,
  runId: string,
  paths: string[],
  options: { batchSize?: number; reverse?: boolean; concurrent?: boolean; dryRun?: boolean } = {},
): Promise<{ total: number; counts: ImportCounts }> {
  const { total } = await list(activities, runId, paths, options.dryRun);
  const size = options.batchSize ?? 100;
  const ranges: Array<[number, number]> = [];
  for (let from = 0; from < total; from += size) ranges.push([from, Math.min(from + size, total)]);
  if (options.reverse) ranges.reverse();
  let counts = ZERO_COUNTS;
  if (options.concurrent) {
    for (const c of await Promise.all(ranges.map(([from, to]) => batch(activities, runId, from, to, options.dryRun)))) counts = addCounts(counts, c);
  } else {
    for (const [from, to] of ranges) counts = addCounts(counts, await batch(activities, runId, from, to, options.dryRun));
  }
  return { total, counts };
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sources that reach outside, or twice', () => {
  let store: Store;
  const source = join(root, 'src1');
  const outside = join(root, 'outside1');
  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dataDir: join(root, 'db1') });
    mkdirSync(join(source, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'shadow.txt'), 'root:$6$TOPSECRET:19000:0:99999:7:::\n');
    writeFileSync(join(source, 'a.json'), JSON.stringify(article('alpha-001', 'Alpha')));
    writeFileSync(join(source, 'bad.txt'), 'not an export');
    symlinkSync(join(outside, 'shadow.txt'), join(source, 'shadow.txt'));
    symlinkSync('../a.json', join(source, 'sub', 'alias.json'));
    writeFileSync(Buffer.concat([Buffer.from(join(source, 'caf')), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x');
    symlinkSync(source, join(root, 'alias1'));
  });
  afterAll(async () => store?.close());

  it('refuses a link out of the source naming the link, storing none of its bytes', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const { total, counts } = await importAll(activities, 'run-out', [source]);
    // a.json (its alias inside the source is the same document), bad.txt, the non-UTF-8 name, the link.
    expect(total).toBe(4);
    expect(counts).toMatchObject({ documents: 4, created: 1, rejected: 3 });
    const rows = await store.db.query<{ path: string; raw: Uint8Array | null; errors: Array<{ message: string }> }>(
      "SELECT path, raw, errors FROM rejections WHERE last_run_id = 'run-out' ORDER BY path",
    );
    const link = rows.find((r) => r.path === join(source, 'shadow.txt'));
    expect(link?.raw).toBeNull();
    expect(link?.errors[0]?.message).toBe(
      `${join(source, 'shadow.txt')} leads outside the source ${source} (through a symbolic link): only links that stay inside the source are followed, and nothing was read`,
    );
    const dump = JSON.stringify(await store.db.query('SELECT * FROM rejections')) + JSON.stringify(await store.db.query('SELECT * FROM import_results'));
    expect(dump).not.toContain('TOPSECRET');
    // A name that is not UTF-8 says so, with the name %-escaped, instead of a misleading ENOENT.
    const latin = rows.find((r) => r.path === join(source, 'caf%E9.txt'));
    expect(latin?.errors[0]?.message).toMatch(/file name is not valid UTF-8/);
  });

  it('`R R`, a subdirectory of R, or a symlinked alias of R counts every document once and doubles no rejection', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const [before] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM rejections WHERE resolved_at IS NULL');
    const { total, counts } = await importAll(activities, 'run-twice', [source, source, join(source, 'sub'), join(root, 'alias1')]);
    expect(total).toBe(4);
    expect(counts).toMatchObject({ documents: 4, unchanged: 1, rejected: 3 });
    // Through the alias alone: the same resolved paths, so the same quarantine entries.
    await importAll(activities, 'run-alias', [join(root, 'alias1')]);
    const [after] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM rejections WHERE resolved_at IS NULL');
    expect(after?.n).toBe(before?.n);
  });

  it('a listing stops when cancelled', async () => {
    const big = join(root, 'big-listing');
    mkdirSync(big);
    const line = JSON.stringify(article('beta-001', 'Beta'));
    writeFileSync(join(big, 'many.ndjson'), `${line}\n`.repeat(5_000));
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    const env = new MockActivityEnvironment();
    env.on('heartbeat', () => env.cancel());
    const error = await env.run(activities.listSource, { importRunId: 'run-cancel', workflowId: 'wf', paths: [big], dryRun: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    const [run] = await store.db.query<{ total: number | null }>("SELECT total FROM import_runs WHERE run_id = 'run-cancel'");
    expect(run?.total).toBeNull();
  });
});

describe('the manifest', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dataDir: join(root, 'db3') });
  });
  afterAll(async () => store?.close());

  it('drops repeated (path, line) entries with dense seqs, and a listing retried after a crash writes the same rows', async () => {
    // 3,000 entries, every path twice (the second time 1,000 entries later): 1,500 distinct ones.
    const entries = Array.from({ length: 3_000 }, (_, i) => ({ path: `/src/${String(i % 1_500).padStart(5, '0')}.txt`, root: '/src' }));
    async function* upTo(n: number) {
      for (const [i, entry] of entries.entries()) {
        if (i === n) throw new Error('the worker died mid-listing');
        yield entry;
      }
    }
    const rows = (runId: string) => store.db.query<{ seq: number; path: string }>('SELECT seq, path FROM import_items WHERE run_id = $1 ORDER BY seq', [runId]);
    for (const runId of ['clean', 'crashed']) await store.imports.startRun({ runId, workflowId: runId, source: {}, dryRun: false });
    expect(await store.imports.writeManifest('clean', upTo(Infinity))).toBe(1_500);
    await expect(store.imports.writeManifest('crashed', upTo(2_500))).rejects.toThrow(/died mid-listing/);
    expect(await store.imports.writeManifest('crashed', upTo(Infinity))).toBe(1_500);
    const clean = await rows('clean');
    expect(clean.map((r) => r.seq)).toEqual(Array.from({ length: 1_500 }, (_, i) => i));
    expect(new Set(clean.map((r) => r.path)).size).toBe(1_500);
    expect(await rows('crashed')).toEqual(clean);
  });
});

describe('a large .ndjson is split into batches by line', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dataDir: join(root, 'db2') });
  });
  afterAll(async () => store?.close());

  it('lists one manifest item per line, without blocking the event loop, and a batch reads only its lines', async () => {
    const dir = join(root, 'stream');
    mkdirSync(dir);
    const lines: string[] = [];
    for (let i = 0; i < 6_000; i++) lines.push(i === 4_321 ? '{"broken": ' : JSON.stringify(article(`gamma-${String(i).padStart(6, '0')}`, `Gamma ${i}`)));
    writeFileSync(join(dir, 'stream.ndjson'), `${lines.join('\n')}\n`);
    const activities = createImportActivities({ store, reviewPolicy: 'none' });

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const { total } = await list(activities, 'run-nd', [dir]);
    delay.disable();
    expect(total).toBe(6_000);
    // Listing streams the file chunk by chunk: no single step holds the loop for long.
    expect(delay.max / 1e6).toBeLessThan(1_000);

    const counts = await batch(activities, 'run-nd', 4_300, 4_400);
    expect(counts).toEqual({ ...ZERO_COUNTS, files: 100, documents: 100, created: 99, rejected: 1 });
    const results = await store.db.query<{ line: number; outcome: string }>("SELECT line, outcome FROM import_results WHERE run_id = 'run-nd' ORDER BY seq");
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: 100 }, (_, i) => 4_301 + i));
    expect(results.find((r) => r.outcome === 'rejected')?.line).toBe(4_322);
    const [stored] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM articles');
    expect(stored?.n).toBe(99);
  });
});

describe.each(backends().map((b) => [b.name, b] as [string, Backend]))(
  'a sourceId repeated inside one source (%s): the first in manifest order wins, whatever the commit order',
  (backendName, backend) => {
    const dir = join(root, `dups-${backendName}`);
    const first = article('delta-001', 'Delta as first written');
    beforeAll(() => {
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.json'), JSON.stringify(first));
      writeFileSync(join(dir, 'b.json'), JSON.stringify(article('epsilon-001', 'Epsilon')));
      writeFileSync(join(dir, 'c.json'), JSON.stringify(article('delta-001', 'Delta, a second edition under the same id')));
      writeFileSync(
        join(dir, 'd.ndjson'),
        `${JSON.stringify(article('delta-001', 'Delta, a third edition'))}\n${JSON.stringify(article('zeta-001', 'Zeta'))}\n`,
      );
    });

    /** Imports the source into a fresh store with batches of one, in the given order; returns what an operator sees. */
    async function outcome(name: string, order: { reverse?: boolean; concurrent?: boolean }, policy: ReviewPolicy) {
      const database = await backend.create();
      const store = await openStore(database.config);
      try {
        const activities = createImportActivities({ store, reviewPolicy: policy });
        // The article existed before (as a.json has it) and a reviewer approved it.
        const pre = join(root, `${name}-${backendName}-pre`);
        mkdirSync(pre);
        writeFileSync(join(pre, 'delta.json'), JSON.stringify(first));
        await importAll(activities, 'pre', [pre]);
        await store.articles.setReviewState(['delta-001'], 'approved', 'reviewer');

        const plan = await importAll(activities, 'dry', [dir], { batchSize: 1, ...order, dryRun: true });
        const real = await importAll(activities, 'real', [dir], { batchSize: 1, ...order });
        const results = async (runId: string) =>
          store.db.query(
            `SELECT seq, line, path, source_id AS "sourceId", outcome, changed_fields AS "changedFields", errors FROM import_results WHERE run_id = $1 ORDER BY seq, line`,
            [runId],
          );
        const articles = await store.db.query(
          `SELECT a.source_id, a.title, a.content_hash, a.review_state, a.reviewed_by, r.article
           FROM articles a JOIN article_revisions r ON r.source_id = a.source_id AND r.revision = a.current_revision ORDER BY a.source_id`,
        );
        const revisions = await store.db.query(`SELECT source_id, revision, content_hash FROM article_revisions ORDER BY source_id, revision`);
        const rejections = await store.db.query(
          `SELECT path, line, source_id, sha256, size, errors, resolved_at IS NULL AS open FROM rejections ORDER BY path, line`,
        );
        return { plan: { ...plan, results: await results('dry') }, real: { ...real, results: await results('real') }, articles, revisions, rejections };
      } finally {
        await store.close();
        await database.cleanup();
      }
    }

    it('stores the same content and reports the same outcomes in manifest order and in reverse', async () => {
      const forward = await outcome('dups-fwd', {}, 'all');
      const backward = await outcome('dups-bwd', { reverse: true }, 'all');
      expect(backward).toEqual(forward);
      // All batches at once (on PostgreSQL they really interleave): still the same.
      expect(await outcome('dups-all', { concurrent: true, reverse: true }, 'all')).toEqual(forward);

      expect(forward.real.counts).toEqual({ ...ZERO_COUNTS, files: 5, documents: 5, created: 2, unchanged: 1, rejected: 2 });
      const delta = forward.articles.find((a) => a.source_id === 'delta-001');
      expect(delta).toMatchObject({ title: first.title, review_state: 'approved', reviewed_by: 'reviewer' });
      const rejected = forward.real.results.filter((r) => r.outcome === 'rejected');
      expect(rejected.map((r) => [r.path, r.line, r.errors])).toEqual([
        [join(dir, 'c.json'), 0, [{ field: 'sourceId', message: `duplicate sourceId in this source, first seen at ${join(dir, 'a.json')}` }]],
        [join(dir, 'd.ndjson'), 1, [{ field: 'sourceId', message: `duplicate sourceId in this source, first seen at ${join(dir, 'a.json')}` }]],
      ]);
      expect(forward.rejections).toHaveLength(2);
      expect(forward.plan.results).toEqual(forward.real.results);
    });
  },
);
