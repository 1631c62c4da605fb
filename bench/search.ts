// bench:search: full reindexes and searches through a real `pressroom worker`, on PostgreSQL (the goals)
// and PGlite (printed beside them). Per backend and size N:
//   1. N synthesized articles seeded and released to production (set-based, untimed);
//   2. a full reindex (fill, indexes, similar posts, catch-up, verification, swap), timed end to end;
//   3. similar-post precision: for a sample of article pages (their JSON, over HTTP), the share of the
//      top 5 that share the article's problem or one of its stacks;
//   4. search latency: 1,000 mixed queries (rare and common terms, phrases, filters, later pages) through
//      GET /search, 8 in flight on loopback;
//   5. a second full reindex while 8 loops search continuously: failed searches, empty results for a term
//      every generation holds, then the same 1,000 queries again (p95 after the swap against before).
//
//   npm run bench:search -- [--articles 10000,100000] [--backend postgres,pglite] [--database-url URL]
//
// Goals (PostgreSQL, this machine): full reindex of 10,000 <= 10 s and of 100,000 <= 60 s; search p95
// <= 50 ms at 100,000; zero failed searches during the swap; p95 after the swap <= 1.2x before;
// precision >= 0.8. Printed, not asserted: the exit code is 0 unless something crashed.
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectClient } from '../src/client.js';
import { reindexResult, startReindex } from '../src/client/reindex.js';
import { loadConfig } from '../src/config.js';
import { IMPORT_DEFAULTS } from '../src/domain/import/index.js';
import type { ReindexReport } from '../src/domain/search/input.js';
import type { SimilarFeatures } from '../src/domain/search/similar.js';
import { articleSlug } from '../src/domain/content.js';
import { openStore } from '../src/store/index.js';
import { freePort } from '../src/temporal/ports.js';
import { releaseAll, seedSynth } from '../test/helpers/search-fixtures.js';
import { onCleanup } from './cleanup.js';
import { freshDatabase, postgresUnreachable, printableUrl, seconds, type BackendName } from './lib.js';
import { bundleWorkflows, eachLimited, runBench, startBenchServer } from './stack.js';
import { startWorkerProcess } from './workers.js';

const USAGE = `usage: npm run bench:search -- [options]

  --articles LIST     article counts, comma-separated (default 10000,100000)
  --backend LIST      postgres, pglite or both, comma-separated (default postgres,pglite)
  --queries N         searches per latency run (default 1000)
  --database-url URL  the PostgreSQL server (default BENCH_DATABASE_URL, TEST_DATABASE_URL or
                      postgres://postgres@127.0.0.1:5432/test); each run gets a fresh schema, dropped at the end
  -h, --help          this help`;

const GOALS = { reindexMs: { 10_000: 10_000, 100_000: 60_000 } as Record<number, number>, p95Ms: 50, swapFactor: 1.2, precision: 0.8 };
const SEED = 11;
const CONCURRENCY = 8;
const PRECISION_SAMPLE = 500;
const SEED_CHUNK = 5_000;

type Options = { articles: number[]; backends: BackendName[]; queries: number; postgresUrl: string };

function parseOptions(argv: string[]): Options | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        articles: { type: 'string', default: '10000,100000' },
        backend: { type: 'string', default: 'postgres,pglite' },
        queries: { type: 'string', default: '1000' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (values.help) return 'help';
  const articles: number[] = [];
  for (const raw of values.articles.split(',').map((s) => s.trim())) {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 10 || n > 1_000_000) return `--articles expects comma-separated whole numbers from 10 to 1000000, got ${JSON.stringify(raw)}`;
    articles.push(n);
  }
  const backends: BackendName[] = [];
  for (const raw of values.backend.split(',').map((s) => s.trim())) {
    if (raw !== 'postgres' && raw !== 'pglite') return `--backend expects postgres and/or pglite, got ${JSON.stringify(raw)}`;
    backends.push(raw);
  }
  const queries = Number(values.queries);
  if (!/^\d+$/.test(values.queries) || queries < 10 || queries > 100_000)
    return `--queries expects a whole number from 10 to 100000, got ${JSON.stringify(values.queries)}`;
  const postgresUrl = values['database-url'] ?? (process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
  return { articles, backends, queries, postgresUrl };
}

// ---- output ----

const missed: string[] = [];
const thousands = (n: number) => n.toLocaleString('en-US');
const msText = (n: number) => `${n.toFixed(1)} ms`;
const line = (text: string) => console.log(text);

function goal(ok: boolean, what: string): string {
  if (!ok) missed.push(`GOAL MISSED: ${what}`);
  return ok ? 'met' : 'MISSED';
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// ---- HTTP ----

type Answer = { status: number; body: string };

function get(agent: Agent, url: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', fail);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
    req.on('error', fail);
    req.end();
  });
}

// ---- the corpus, kept as features only (the articles themselves are written and dropped chunk by chunk) ----

type Corpus = { features: SimilarFeatures[]; slugs: string[]; titles: string[]; tools: string[]; stacks: string[] };

async function seed(config: Parameters<typeof openStore>[0], n: number): Promise<Corpus> {
  const store = await openStore(config);
  const corpus: Corpus = { features: [], slugs: [], titles: [], tools: [], stacks: [] };
  try {
    for (let from = 0; from < n; from += SEED_CHUNK) {
      const articles = await seedSynth(store.db, { seed: SEED, from, count: Math.min(SEED_CHUNK, n - from) });
      for (const a of articles) {
        corpus.features.push({
          sourceId: a.sourceId,
          title: a.title,
          problem: a.meta.outline?.problem ?? null,
          stack: a.meta.stack ?? [],
          tools: a.meta.tools ?? [],
          entities: (a.meta.entities ?? []).map((e) => `${e.type}:${e.name}`),
        });
        corpus.slugs.push(articleSlug(a));
        corpus.titles.push(a.title);
        for (const t of a.meta.tools ?? []) if (!corpus.tools.includes(t)) corpus.tools.push(t);
        for (const s of a.meta.stack ?? []) if (!corpus.stacks.includes(s)) corpus.stacks.push(s);
      }
    }
    await releaseAll(store);
  } finally {
    await store.close();
  }
  return corpus;
}

/** 1,000 (or N) mixed searches, the same every run: rare titles, common words, phrases, filters, later pages. */
function mixedQueries(corpus: Corpus, count: number): string[] {
  const common = ['team', 'production', 'jobs', 'cache', 'deploy', 'tests', 'measure', 'rollback'];
  const phrases = ['"background jobs"', '"feature flags"', '"database schemas"', '"memory leaks"', '"slow requests"'];
  const out: string[] = [];
  let x = 12345;
  const next = (n: number) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x % n;
  };
  for (let i = 0; i < count; i++) {
    const q = new URLSearchParams();
    switch (i % 5) {
      case 0:
        q.set('q', corpus.titles[next(corpus.titles.length)]!);
        break;
      case 1:
        q.set('q', common[next(common.length)]!);
        break;
      case 2:
        q.set('q', phrases[next(phrases.length)]!);
        break;
      case 3:
        q.set('q', common[next(common.length)]!);
        if (next(2) === 0) q.set('tool', corpus.tools[next(corpus.tools.length)]!);
        else q.set('difficulty', ['beginner', 'intermediate', 'advanced'][next(3)]!);
        break;
      default:
        q.set('q', `${common[next(common.length)]!} ${common[next(common.length)]!}`);
        q.set('page', String(2 + next(4)));
    }
    out.push(`/search?${q.toString()}`);
  }
  return out;
}

type Latency = { p50: number; p95: number; max: number; failed: number; cached: number; missP95: number };

async function latency(base: string, paths: readonly string[]): Promise<Latency> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const times: number[] = [];
  const misses: number[] = [];
  let failed = 0;
  let cached = 0;
  try {
    // A short warm-up, so the first figures are not the connection set-up's.
    await eachLimited(paths.slice(0, CONCURRENCY * 4), CONCURRENCY, async (path) => void (await get(agent, `${base}${path}`)));
    await eachLimited(paths, CONCURRENCY, async (path) => {
      const started = performance.now();
      const answer = await get(agent, `${base}${path}`);
      const took = performance.now() - started;
      times.push(took);
      if (answer.status !== 200) failed++;
      if (answer.body.includes('"cached":true')) cached++;
      else misses.push(took);
    });
  } finally {
    agent.destroy();
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: percentile(times, 100), failed, cached, missP95: percentile(misses, 95) };
}

/** The share of similar posts that share their article's problem or one of its stacks, over a sample of article pages. */
async function precision(base: string, corpus: Corpus): Promise<{ precision: number; pages: number; lists: number; short: number; self: number }> {
  const byId = new Map(corpus.features.map((f) => [f.sourceId, f]));
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const step = Math.max(1, Math.floor(corpus.slugs.length / PRECISION_SAMPLE));
  const sample = corpus.slugs.filter((_, i) => i % step === 0).slice(0, PRECISION_SAMPLE);
  let shared = 0;
  let total = 0;
  let short = 0;
  let self = 0;
  try {
    await eachLimited(sample, CONCURRENCY, async (slug) => {
      const answer = await get(agent, `${base}/production/articles/${encodeURIComponent(slug)}`);
      if (answer.status !== 200) throw new Error(`GET /production/articles/${slug} answered ${answer.status}`);
      const page = JSON.parse(answer.body) as { sourceId: string; similar: Array<{ sourceId: string }> };
      const a = byId.get(page.sourceId)!;
      if (page.similar.length < 5) short++;
      for (const s of page.similar) {
        if (s.sourceId === page.sourceId) self++;
        const b = byId.get(s.sourceId);
        if (!b) continue;
        total++;
        if ((a.problem !== null && a.problem === b.problem) || a.stack.some((x) => b.stack.includes(x))) shared++;
      }
    });
  } finally {
    agent.destroy();
  }
  return { precision: total === 0 ? 0 : shared / total, pages: sample.length, lists: total, short, self };
}

function timings(report: ReindexReport): string {
  return Object.entries(report.timingsMs)
    .filter(([, ms]) => ms > 0)
    .map(([step, ms]) => `${step} ${seconds(ms)}`)
    .join(', ');
}

type Shared = { devServer: { address: string }; bundlePath: string; work: string; options: Options };
type Result = { backend: BackendName; articles: number; reindexMs: number; p95: number; p95After: number; failedDuringSwap: number; precision: number };

async function measure(shared: Shared, backend: BackendName, n: number): Promise<Result> {
  const db = await freshDatabase(backend, shared.options.postgresUrl);
  const drop = onCleanup(`database ${db.describe}`, () => db.cleanup());
  const seedStart = performance.now();
  const corpus = await seed(db.config, n);
  console.error(`${backend}: seeded and released ${thousands(n)} synthesized articles in ${seconds(performance.now() - seedStart)} (untimed)`);

  const httpPort = await freePort();
  const taskQueue = `bench-search-${backend}-${n}-${process.pid}-${Date.now().toString(36)}`;
  const worker = await startWorkerProcess(
    {
      temporalAddress: shared.devServer.address,
      taskQueue,
      database: db.config,
      bundlePath: shared.bundlePath,
      batchSize: IMPORT_DEFAULTS.batchSize,
      concurrency: IMPORT_DEFAULTS.concurrency,
      logDir: join(shared.work, 'logs'),
      httpPort,
    },
    `search-${backend}-${n}`,
  );
  const stopWorker = onCleanup('worker process', () => worker.stop());
  const pc = await connectClient(loadConfig({ TEMPORAL_ADDRESS: shared.devServer.address, TASK_QUEUE: taskQueue, PRESSROOM_DATA_DIR: shared.work }));
  const closeClient = onCleanup('client', () => pc.close());
  const base = `http://127.0.0.1:${httpPort}`;
  const fullReindex = async () => {
    const started = performance.now();
    const { handle } = await startReindex(pc, { mode: 'full', requestedBy: 'bench' });
    const outcome = await reindexResult(pc, handle.workflowId);
    if (outcome.kind !== 'done') throw new Error(`the full reindex ${outcome.status}: ${outcome.message}`);
    return { report: outcome.report, ms: performance.now() - started };
  };

  try {
    line('');
    line(`==== ${backend}, ${thousands(n)} articles ====`);
    const first = await fullReindex();
    const reindexGoal = GOALS.reindexMs[n];
    line(
      `FULL REINDEX ${thousands(n)}: ${seconds(first.ms)} start to swapped (generation ${first.report.generation}, ${thousands(first.report.documents)} documents)` +
        (backend === 'postgres' && reindexGoal !== undefined
          ? `  (goal <= ${seconds(reindexGoal)}: ${goal(first.ms <= reindexGoal, `full reindex of ${thousands(n)} took ${seconds(first.ms)}`)})`
          : ''),
    );
    line(`  steps: ${timings(first.report)}`);
    for (const check of first.report.verification?.checks ?? []) line(`  verify ${check.name}: ${check.actual}`);

    const similar = await precision(base, corpus);
    line(
      `SIMILAR POSTS precision ${similar.precision.toFixed(3)} over ${similar.pages} article pages (${similar.lists} entries; ${similar.short} lists under 5, ${similar.self} naming the article itself)` +
        `  (goal >= ${GOALS.precision}: ${goal(similar.precision >= GOALS.precision && similar.self === 0, `similar-post precision ${similar.precision.toFixed(3)}`)})`,
    );

    const queries = mixedQueries(corpus, shared.options.queries);
    const before = await latency(base, queries);
    const p95Goal = backend === 'postgres' && n >= 100_000;
    line(
      `SEARCH ${thousands(queries.length)} mixed queries, ${CONCURRENCY} in flight: p50 ${msText(before.p50)}, p95 ${msText(before.p95)}, max ${msText(before.max)}, ${before.failed} failed; ` +
        `${before.cached} answered from the worker's result cache, p95 of the rest ${msText(before.missP95)}` +
        (p95Goal
          ? `  (goal p95 <= ${GOALS.p95Ms} ms: ${goal(before.p95 <= GOALS.p95Ms && before.failed === 0, `search p95 ${msText(before.p95)} at ${thousands(n)}`)})`
          : ''),
    );

    // A second full reindex with searches running all along: every answer must be a 200 with results.
    let running = true;
    const during = { searches: 0, failed: 0, empty: 0, errors: [] as string[] };
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const loops = Array.from({ length: CONCURRENCY }, async () => {
      while (running) {
        try {
          const answer = await get(agent, `${base}/search?q=jobs`);
          during.searches++;
          if (answer.status !== 200) {
            during.failed++;
            if (during.errors.length < 3) during.errors.push(`${answer.status} ${answer.body.slice(0, 120)}`);
          } else if ((JSON.parse(answer.body) as { total: number }).total === 0) during.empty++;
        } catch (error) {
          during.failed++;
          if (during.errors.length < 3) during.errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    });
    const second = await fullReindex().finally(() => {
      running = false;
    });
    await Promise.all(loops);
    agent.destroy();
    line(
      `SWAP during ${thousands(during.searches)} searches (full reindex ${seconds(second.ms)}, generation ${second.report.previous} -> ${second.report.generation}): ` +
        `${during.failed} failed, ${during.empty} empty  (goal 0 failed: ${goal(during.failed === 0 && during.empty === 0, `${during.failed} failed and ${during.empty} empty searches during the swap${during.errors.length ? `: ${during.errors.join('; ')}` : ''}`)})`,
    );
    const after = await latency(base, queries);
    const factor = before.p95 === 0 ? 1 : after.p95 / before.p95;
    line(
      `SEARCH after the swap: p50 ${msText(after.p50)}, p95 ${msText(after.p95)} (${factor.toFixed(2)}x before), ${after.failed} failed, ${after.cached} cached, p95 of the rest ${msText(after.missP95)}` +
        `  (goal <= ${GOALS.swapFactor}x: ${goal(factor <= GOALS.swapFactor, `p95 after the swap ${factor.toFixed(2)}x before on ${backend} at ${thousands(n)}`)})`,
    );
    line(`worker peak RSS ${Math.round(worker.peakMb())} MB`);
    return { backend, articles: n, reindexMs: first.ms, p95: before.p95, p95After: after.p95, failedDuringSwap: during.failed, precision: similar.precision };
  } catch (error) {
    console.error(`worker ${worker.pid} log (last lines):\n${worker.logTail()}`);
    throw error;
  } finally {
    await closeClient();
    await stopWorker();
    await drop();
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof options === 'string') {
    console.error(`bench:search: ${options}\n\n${USAGE}`);
    return 2;
  }
  if (options.backends.includes('postgres')) {
    const why = await postgresUnreachable(options.postgresUrl);
    if (why) {
      console.error(`bench:search: PostgreSQL at ${printableUrl(options.postgresUrl)} is unreachable (${why}); run with --backend pglite, or start it`);
      return 1;
    }
  }
  const { work, devServer } = await startBenchServer('pressroom-bench-search-', (text) => console.error(text));
  const bundlePath = bundleWorkflows(work);

  const results: Result[] = [];
  for (const backend of options.backends) for (const n of options.articles) results.push(await measure({ devServer, bundlePath, work, options }, backend, n));

  console.log('\n==== summary ====');
  for (const r of results)
    console.log(
      `${r.backend.padEnd(8)} ${thousands(r.articles).padStart(7)} articles: full reindex ${seconds(r.reindexMs)}, search p95 ${msText(r.p95)} (after swap ${msText(r.p95After)}), ` +
        `${r.failedDuringSwap} failed during the swap, similar-post precision ${r.precision.toFixed(3)}`,
    );
  for (const text of missed) console.log(text);
  return 0;
}

await runBench(main);
