// bench:release: releases N changed articles through a real Varnish on PostgreSQL, as an operator does,
// and times the two figures the release goals are about:
//   - release   from the approveRelease update to the workflow's result: production promoted, the
//               changed routes purged, the release tagged and production verified through the cache;
//   - rollback  from starting rollbackWorkflow (to the previous release) to its result: moved, purged,
//               tagged and verified.
// Per N: a fresh schema with N approved articles (seeded set-based, untimed), a Varnish with the
// project's VCL in front of a `pressroom worker` child process (CACHE_PURGE_URL = SITE_URL = Varnish),
// a first release of all N (approved by hand), every page fetched once through the cache (JSON and
// HTML), then all N revised and approved, released (waits for approval: staging is verified first),
// approved (timed) and rolled back (timed). Each timed run is profiled from its workflow history:
// which activity took how long, and how long the workflow tasks between them took.
//
//   npm run bench:release -- [--articles 500,5000] [--purge-mode xkey|url] [--database-url URL]
//
// Goals: release <= 10 s and rollback <= 3 s for 5,000 articles. Printed, not asserted: the exit code
// is 0 unless something crashed.
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { connectClient, type PressroomClient } from '../src/client.js';
import { decideRelease, releaseStatus, startRelease, startRollback } from '../src/client/release.js';
import { loadConfig } from '../src/config.js';
import { IMPORT_DEFAULTS } from '../src/domain/import/index.js';
import type { ReleaseReport, ReleaseStatusView } from '../src/domain/release/input.js';
import { previewRelease } from '../src/release/build.js';
import { openStore, type Store } from '../src/store/index.js';
import type { DevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/ports.js';
import { reviseArticles, seedArticles } from '../test/helpers/release-fixtures.js';
import { startVarnish } from '../test/helpers/varnish.js';
import { freshDatabase, postgresUnreachable, printableUrl, seconds } from './lib.js';
import { bundleWorkflows, eachLimited, runBench, startBenchServer } from './stack.js';
import { startWorkerProcess, type WorkerProcess } from './workers.js';
import { onCleanup } from './cleanup.js';

const USAGE = `usage: npm run bench:release -- [options]

  --articles LIST     article counts, comma-separated, each measured on its own database (default 500,5000)
  --purge-mode M      xkey (one PURGE per chunk of surrogate keys) or url (one PURGE per path) (default xkey)
  --cpu-prof DIR      the worker writes a V8 CPU profile (.cpuprofile) into DIR when it stops
  --database-url URL  the PostgreSQL server (default BENCH_DATABASE_URL, TEST_DATABASE_URL or
                      postgres://postgres@127.0.0.1:5432/test); each count gets a fresh schema, dropped at the end
  -h, --help          this help

Needs varnishd with varnish-modules (xkey): apt-get install -y varnish varnish-modules.`;

const GOALS = { releaseMs: 10_000, rollbackMs: 3_000 } as const;
const PREFIX = 'art-';
const WARM_CONCURRENCY = 32;
const SPOT_CHECKS = 25;

type Options = { articles: number[]; purgeMode: 'xkey' | 'url'; postgresUrl: string; cpuProfDir: string | undefined };

function parseOptions(argv: string[]): Options | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        articles: { type: 'string', default: '500,5000' },
        'purge-mode': { type: 'string', default: 'xkey' },
        'database-url': { type: 'string' },
        'cpu-prof': { type: 'string' },
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
    if (!/^\d+$/.test(raw) || n < 1 || n > 100_000) return `--articles expects comma-separated whole numbers from 1 to 100000, got ${JSON.stringify(raw)}`;
    articles.push(n);
  }
  const purgeMode = values['purge-mode'];
  if (purgeMode !== 'xkey' && purgeMode !== 'url') return `--purge-mode expects xkey or url, got ${JSON.stringify(purgeMode)}`;
  const postgresUrl = values['database-url'] ?? (process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
  if (!/^postgres(ql)?:\/\//.test(postgresUrl)) return `--database-url expects a postgres:// URL, got ${JSON.stringify(postgresUrl)}`;
  return { articles, purgeMode, postgresUrl, cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']) };
}

// ---- resources, released in reverse order at the end (or on Ctrl-C) ----

// ---- output ----

const missed: string[] = [];
const thousands = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => `${Math.round(n)} ms`;

function line(text: string): void {
  console.log(text);
}

function goal(ok: boolean, what: string): string {
  if (!ok) missed.push(`GOAL MISSED: ${what}`);
  return ok ? 'met' : 'MISSED';
}

// ---- the site, through the cache ----

type Page = { status: number; xCache: string | undefined; body: string };

function get(agent: Agent, url: string, accept?: string): Promise<Page> {
  return new Promise((done, fail) => {
    const req = request(url, { agent, headers: accept ? { accept } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, xCache: res.headers['x-cache'] as string | undefined, body: Buffer.concat(parts).toString('utf8') }),
      );
      res.on('error', fail);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.on('error', fail);
    req.end();
  });
}

const slugOf = (sourceId: string) => `article--${sourceId}`;

/** Fetches every production page once per representation; returns how long it took and how many were already cached. */
async function warmCache(cacheUrl: string, ids: readonly string[]): Promise<{ ms: number; requests: number; hits: number; bad: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: WARM_CONCURRENCY });
  const paths = ['/production/', '/production/sitemap.xml', ...ids.map((id) => `/production/articles/${slugOf(id)}`)];
  const requests = paths.flatMap((path) => [
    { path, accept: undefined },
    { path, accept: 'text/html' },
  ]);
  let hits = 0;
  let bad = 0;
  const started = performance.now();
  try {
    await eachLimited(requests, WARM_CONCURRENCY, async ({ path, accept }) => {
      const page = await get(agent, `${cacheUrl}${path}`, accept);
      if (page.status !== 200) bad++;
      if (page.xCache === 'HIT') hits++;
    });
  } finally {
    agent.destroy();
  }
  return { ms: performance.now() - started, requests: requests.length, hits, bad };
}

/**
 * The same GETs a production verification makes, from this process instead of the worker's: every
 * production object purged first, so each is a miss the worker renders. Verification costs this much
 * with the fetching client out of the worker's event loop.
 */
async function missFloor(cacheUrl: string, ids: readonly string[]): Promise<{ ms: number; requests: number; bad: number }> {
  const purge = await fetch(`${cacheUrl}/`, { method: 'PURGE', headers: { 'xkey-purge': 'production:site' } });
  await purge.arrayBuffer();
  if (!purge.ok) throw new Error(`purging production:site answered ${purge.status}`);
  const agent = new Agent({ keepAlive: true, maxSockets: WARM_CONCURRENCY });
  const paths = ['/production/', '/production/sitemap.xml', ...ids.map((id) => `/production/articles/${slugOf(id)}`)];
  let bad = 0;
  const started = performance.now();
  try {
    await eachLimited(paths, WARM_CONCURRENCY, async (path) => {
      const page = await get(agent, `${cacheUrl}${path}`);
      if (page.status !== 200 || page.xCache === 'HIT') bad++;
    });
  } finally {
    agent.destroy();
  }
  return { ms: performance.now() - started, requests: paths.length, bad };
}

/** A sample of production pages, fetched through the cache: how many show `title(id)`. */
async function spotCheck(cacheUrl: string, ids: readonly string[], title: (id: string) => string): Promise<string> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const step = Math.max(1, Math.floor(ids.length / SPOT_CHECKS));
  const sample = ids.filter((_, i) => i % step === 0).slice(0, SPOT_CHECKS);
  let right = 0;
  let hits = 0;
  try {
    for (const id of sample) {
      const page = await get(agent, `${cacheUrl}/production/articles/${slugOf(id)}`);
      if (page.status === 200 && page.body.includes(JSON.stringify(title(id)))) right++;
      if (page.xCache === 'HIT') hits++;
    }
  } finally {
    agent.destroy();
  }
  const verdict = right === sample.length ? 'ok' : 'WRONG CONTENT';
  if (right !== sample.length)
    missed.push(`spot check: ${sample.length - right} of ${sample.length} pages did not show ${JSON.stringify(title(sample[0]!))}-style titles`);
  return `spot check through the cache: ${right}/${sample.length} pages show the expected title, ${hits} of them cache hits (${verdict})`;
}

// ---- the workflow's own account: its history ----

type Span = { name: string; scheduled: number; started?: number; ended?: number; attempt: number; outcome: string };

/** The activities of a run (each with its scheduled, started and ended times), the update's acceptance and the run's close. */
async function historyOf(handle: WorkflowHandle): Promise<{ spans: Span[]; updateAcceptedAt?: number; closedAt?: number; events: number }> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const byScheduled = new Map<string, Span>();
  const spans: Span[] = [];
  let updateAcceptedAt: number | undefined;
  let closedAt: number | undefined;
  for (const event of events) {
    const at = tsToMs(event.eventTime);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const span: Span = { name: scheduled.activityType?.name ?? '?', scheduled: at, attempt: 1, outcome: 'running' };
      byScheduled.set(String(event.eventId), span);
      spans.push(span);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const span = byScheduled.get(String(started.scheduledEventId));
      if (span) {
        span.started = at;
        span.attempt = started.attempt ?? 1;
      }
    }
    for (const [attrs, outcome] of [
      [event.activityTaskCompletedEventAttributes, 'completed'],
      [event.activityTaskFailedEventAttributes, 'FAILED'],
      [event.activityTaskTimedOutEventAttributes, 'TIMED OUT'],
    ] as const) {
      const span = attrs ? byScheduled.get(String(attrs.scheduledEventId)) : undefined;
      if (span) {
        span.ended = at;
        span.outcome = outcome;
      }
    }
    if (event.workflowExecutionUpdateAcceptedEventAttributes) updateAcceptedAt = at;
    if (event.workflowExecutionCompletedEventAttributes || event.workflowExecutionFailedEventAttributes) closedAt = at;
  }
  return { spans, updateAcceptedAt, closedAt, events: events.length };
}

/** Where the time went from `from` (server time) to the run's close: each activity, and the gaps (workflow tasks, queueing). */
async function profile(handle: WorkflowHandle, what: string, from: 'start' | 'update'): Promise<void> {
  const h = await historyOf(handle);
  const description = await handle.describe();
  const origin = from === 'update' ? h.updateAcceptedAt : description.startTime.getTime();
  if (origin === undefined || h.closedAt === undefined) {
    line(`  ${what}: no ${from === 'update' ? 'accepted update' : 'start'} or close in its history (${h.events} events)`);
    return;
  }
  const spans = h.spans.filter((s) => s.scheduled >= origin);
  let inActivities = 0;
  let queued = 0;
  line(`  ${what} profile (server clock, from the ${from === 'update' ? 'approval update' : 'workflow start'}; ${h.events} history events):`);
  for (const s of spans) {
    const wait = s.started === undefined ? 0 : s.started - s.scheduled;
    const ran = s.started === undefined || s.ended === undefined ? 0 : s.ended - s.started;
    inActivities += ran;
    queued += wait;
    const attempt = s.attempt > 1 ? `, attempt ${s.attempt}` : '';
    line(`    +${String(s.scheduled - origin).padStart(5)} ms  ${s.name.padEnd(22)} ran ${ms(ran).padStart(8)}  (queued ${ms(wait)}${attempt}; ${s.outcome})`);
  }
  const total = h.closedAt - origin;
  line(
    `    total ${ms(total)}: activities ran ${ms(inActivities)}, waited for a worker ${ms(queued)}, workflow tasks and the rest ${ms(total - inActivities - queued)}`,
  );
}

/** How long a step lasted, from its start to the next step's (or the end). */
function stepMs(report: ReleaseReport, step: string): number {
  const at = report.steps.findIndex((s) => s.step === step);
  if (at === -1) return 0;
  return Date.parse(report.steps[at + 1]?.at ?? report.finishedAt) - Date.parse(report.steps[at]!.at);
}

function stepDurations(report: ReleaseStatusView, after: string | null): string {
  const steps = report.steps;
  const from =
    after === null
      ? 0
      : Math.max(
          0,
          steps.findIndex((s) => s.step === after),
        );
  const parts: string[] = [];
  for (let i = from; i < steps.length; i++) {
    const end = steps[i + 1]?.at ?? report.finishedAt;
    if (end === null) break;
    if (i + 1 < steps.length || steps[i]!.step !== 'live') parts.push(`${steps[i]!.step} ${ms(Date.parse(end) - Date.parse(steps[i]!.at))}`);
  }
  return parts.join(', ');
}

function reportText(report: ReleaseReport): string[] {
  const out: string[] = [];
  const purge = report.purge;
  if (purge)
    out.push(
      `purge: ${thousands(purge.keys)} keys, ${thousands(purge.urls)} URLs in ${thousands(purge.requests)} PURGE request(s)${purge.skipped ? ' (SKIPPED)' : ''}`,
    );
  const v = report.production;
  if (v) out.push(`verify production: ${thousands(v.checked)} routes, p50 ${v.timings.p50} ms, p95 ${v.timings.p95} ms, max ${v.timings.max} ms`);
  out.push(`tag ${report.tag ?? '(none)'}; ${report.plan ? `diff +${report.plan.diff.added} ~${report.plan.diff.updated} -${report.plan.diff.removed}` : ''}`);
  return out;
}

// ---- one measurement ----

type Shared = { devServer: DevServer; bundlePath: string; work: string; options: Options };
type Result = { articles: number; releaseMs: number; rollbackMs: number };

async function waitForApproval(pc: PressroomClient, workflowId: string, worker: WorkerProcess): Promise<ReleaseStatusView> {
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    if (!worker.alive()) throw new Error(`the worker exited while the release ran:\n${worker.logTail()}`);
    const status = await releaseStatus(pc, workflowId).catch(() => undefined);
    if (status?.step === 'awaiting-approval') return status;
    if (status && ['live', 'rejected', 'abandoned', 'failed', 'rolled-back'].includes(status.step))
      throw new Error(`release ${workflowId} ended ${status.step} before approval: ${status.reason ?? ''}\n${worker.logTail()}`);
    await sleep(50);
  }
  throw new Error(`release ${workflowId} did not reach awaiting-approval within 10 minutes`);
}

/** Starts a release of every approved change, waits until staging is verified, approves it; times the approval to the result. */
async function release(
  pc: PressroomClient,
  store: Store,
  worker: WorkerProcess,
  label: string,
): Promise<{ report: ReleaseReport; handle: WorkflowHandle; ms: number; toApprovalMs: number }> {
  const preview = await previewRelease(store, null);
  const started = performance.now();
  const { handle } = await startRelease(pc, { requestedBy: 'bench' }, preview.releaseId);
  const waiting = await waitForApproval(pc, handle.workflowId, worker);
  const toApprovalMs = performance.now() - started;
  console.error(`  ${label}: awaiting approval after ${seconds(toApprovalMs)} (${stepDurations(waiting, null)})`);
  const approved = performance.now();
  await decideRelease(pc, handle.workflowId, true, { by: 'bench', reason: 'benchmark' });
  const report = await handle.result();
  return { report, handle, ms: performance.now() - approved, toApprovalMs };
}

async function measure(shared: Shared, n: number): Promise<Result> {
  const { options } = shared;
  const db = await freshDatabase('postgres', options.postgresUrl);
  const drop = onCleanup(`database ${db.describe}`, () => db.cleanup());
  const store = await openStore(db.config);
  const closeStore = onCleanup('store', () => store.close());
  const seedStart = performance.now();
  const ids = await seedArticles(store.db, { prefix: PREFIX, count: n, state: 'approved' });
  console.error(`seeded ${thousands(n)} approved articles in ${seconds(performance.now() - seedStart)} (untimed)`);

  // The worker listens on a port chosen now: Varnish must know its backend before the worker knows its cache.
  const httpPort = await freePort();
  const varnish = await startVarnish({ backend: { host: '127.0.0.1', port: httpPort }, storage: 'malloc,256m' });
  const stopVarnish = onCleanup('varnish', () => varnish.stop());
  const taskQueue = `bench-release-${n}-${process.pid}-${Date.now().toString(36)}`;
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
      env: {
        CACHE_PURGE_URL: varnish.url,
        CACHE_PURGE_MODE: options.purgeMode,
        SITE_URL: varnish.url,
      },
      ...(options.cpuProfDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] } : {}),
    },
    `release-${n}`,
  );
  const stopWorker = onCleanup('worker process', () => worker.stop());
  const pc = await connectClient(loadConfig({ TEMPORAL_ADDRESS: shared.devServer.address, TASK_QUEUE: taskQueue, PRESSROOM_DATA_DIR: shared.work }));
  const closeClient = onCleanup('client', () => pc.close());
  console.error(`worker ${worker.pid} (HTTP ${httpPort}) behind Varnish at ${varnish.url}, purge mode ${options.purgeMode}`);

  try {
    line('');
    line(`==== ${thousands(n)} articles ====`);
    const first = await release(pc, store, worker, `first release of ${thousands(n)}`);
    line(`first release (all ${thousands(n)} added): approval to live ${seconds(first.ms)} (untimed setup; ${first.report.step})`);

    const warm = await warmCache(varnish.url, ids);
    line(
      `warmed the cache: ${thousands(warm.requests)} GETs (JSON and HTML) in ${seconds(warm.ms)}, ${thousands(warm.hits)} already cached by the first release's verification, ${warm.bad} not 200`,
    );
    const again = await warmCache(varnish.url, ids.slice(0, Math.min(ids.length, 200)));
    line(`  a second pass over ${thousands(again.requests)} of them: ${thousands(again.hits)} cache hits`);

    const reviseStart = performance.now();
    await reviseArticles(store.db, ids, 'approved');
    console.error(`revised and approved all ${thousands(n)} articles in ${seconds(performance.now() - reviseStart)} (untimed)`);

    const second = await release(pc, store, worker, `release of ${thousands(n)} changed`);
    line(`release of ${thousands(n)} changed: start to awaiting approval ${seconds(second.toApprovalMs)} (build, checks, staging, staging verified; untimed)`);
    line(
      `RELEASE  ${thousands(n)} articles: approval to live (promoted, purged, tagged, verified) ${seconds(second.ms)}  (goal <= ${seconds(GOALS.releaseMs)}: ${goal(second.ms <= GOALS.releaseMs, `release of ${thousands(n)} took ${seconds(second.ms)}`)})`,
    );
    line(`  steps: ${stepDurations(second.report, 'promoting')}`);
    for (const text of reportText(second.report)) line(`  ${text}`);
    await profile(second.handle, 'release', 'update');
    line(`  ${await spotCheck(varnish.url, ids, (id) => `title of ${id} r2`)}`);

    const rollbackStart = performance.now();
    const { handle: rollbackHandle } = await startRollback(pc, { requestedBy: 'bench', reason: 'benchmark rollback' });
    const rolledBack = await rollbackHandle.result();
    const rollbackMs = performance.now() - rollbackStart;
    line(
      `ROLLBACK ${thousands(n)} articles: start to live (planned, moved, purged, tagged, verified) ${seconds(rollbackMs)}  (goal <= ${seconds(GOALS.rollbackMs)}: ${goal(rollbackMs <= GOALS.rollbackMs, `rollback of ${thousands(n)} took ${seconds(rollbackMs)}`)})`,
    );
    line(`  steps: ${stepDurations(rolledBack, null)}`);
    for (const text of reportText(rolledBack)) line(`  ${text}`);
    await profile(rollbackHandle, 'rollback', 'start');
    line(`  ${await spotCheck(varnish.url, ids, (id) => `title of ${id}`)}`);
    const floor = await missFloor(varnish.url, ids);
    line(
      `cache-miss floor: the same ${thousands(floor.requests)} GETs from the benchmark's process (${WARM_CONCURRENCY} in flight), production purged first: ${seconds(floor.ms)}${floor.bad ? ` (${floor.bad} not a 200 miss)` : ''}; the worker's own verification of them took ${seconds(stepMs(rolledBack, 'verifying-production'))}`,
    );
    line(`worker peak RSS ${Math.round(worker.peakMb())} MB`);
    return { articles: n, releaseMs: second.ms, rollbackMs };
  } catch (error) {
    console.error(`worker ${worker.pid} log (last lines):\n${worker.logTail()}`);
    throw error;
  } finally {
    await closeClient();
    await stopWorker();
    await stopVarnish();
    await closeStore();
    await drop();
  }
}

// ---- main ----

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof options === 'string') {
    console.error(`bench:release: ${options}\n\n${USAGE}`);
    return 2;
  }
  const why = await postgresUnreachable(options.postgresUrl);
  if (why) {
    console.error(`bench:release: PostgreSQL at ${printableUrl(options.postgresUrl)} is unreachable (${why}); the release benchmark needs it`);
    return 1;
  }
  console.error(`PostgreSQL: ${printableUrl(options.postgresUrl)} (a fresh schema per article count)`);

  const { work, devServer } = await startBenchServer('pressroom-bench-release-', (text) => console.error(text));
  const bundlePath = bundleWorkflows(work);

  const results: Result[] = [];
  for (const n of options.articles) results.push(await measure({ devServer, bundlePath, work, options }, n));

  console.log('\n==== summary ====');
  for (const r of results)
    console.log(
      `${thousands(r.articles).padStart(7)} articles: release (approval to live) ${seconds(r.releaseMs)} (goal <= ${seconds(GOALS.releaseMs)}), rollback ${seconds(r.rollbackMs)} (goal <= ${seconds(GOALS.rollbackMs)})`,
    );
  for (const text of missed) console.log(text);
  return 0;
}

await runBench(main);
