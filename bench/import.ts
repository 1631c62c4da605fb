// bench:import: imports N synthesized exports two ways with the same parse-and-store code
// (src/ingest/batch.ts): through Temporal (dev server, worker, importWorkflow with batches in
// parallel) and through a direct sequential loop in one process (importDirect), on PGlite and on
// PostgreSQL. Goal: on PostgreSQL the Temporal path runs at >= 60% of the direct loop.
// `--rss`: a 100,000-document import through a worker running as a child process must keep that
// worker's peak RSS (VmHWM) under 500 MB.
//
//   npm run bench:import -- [--docs N] [--backend pglite|postgres|both] [--batch-size N]
//                           [--concurrency N] [--bad-ratio R] [--rss] [--rss-docs N] [--full]
//
// Figures are printed, not asserted: the exit code is 0 unless something crashed.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, importProgress, startImport, type PressroomClient } from '../src/client.js';
import { loadConfig, type Config } from '../src/config.js';
import type { ImportCounts } from '../src/domain/import/index.js';
import { searchAttributeFlags } from '../src/domain/names.js';
import { importDirect } from '../src/ingest/direct.js';
import { writeSynthCorpus } from '../src/sources/synth-corpus.js';
import { openStore, type DatabaseConfig } from '../src/store/index.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/ports.js';
import { setupTemporalBinaries } from '../src/temporal/setup.js';
import { resolveWorkflowsPath, startWorker } from '../src/worker.js';
import { freshDatabase, postgresUnreachable, printableUrl, procStatusMb, rate, seconds, tempDir, type BackendName } from './lib.js';

// Before anything creates a connection: the SDK's INFO logs would bury the figures. A failed
// activity attempt (retried by Temporal) is one short line and counted, not a page of stack.
const activityFailures = new Map<string, number>();
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    const meta = (entry.meta ?? {}) as { activityType?: unknown; attempt?: unknown; error?: unknown };
    if (entry.message === 'Activity failed' && meta.error instanceof Error) {
      const cause = meta.error.cause instanceof Error ? meta.error.cause.message : meta.error.message;
      activityFailures.set(cause, (activityFailures.get(cause) ?? 0) + 1);
      console.error(`  [${entry.level}] ${String(meta.activityType)} attempt ${String(meta.attempt)} failed: ${meta.error.message}`);
      return;
    }
    console.error(`  [${entry.level}] ${entry.message}`, entry.meta ?? '');
  }),
});

/** The failed activity attempts since the last call, by cause, as text ('' when none). */
function takeFailures(): string {
  const parts = [...activityFailures].map(([cause, n]) => `${n}x ${cause}`);
  activityFailures.clear();
  return parts.join('; ');
}

const USAGE = `usage: npm run bench:import -- [options]

  --docs N           documents per throughput measurement (default 10000)
  --backend B        pglite | postgres | both (default both)
  --batch-size N     documents per batch, both paths (default 100)
  --concurrency N    batches in flight on the Temporal path (default 4); the direct loop is sequential
  --bad-ratio R      fraction of malformed exports, 0..1 (default 0.02)
  --rss              only the peak-RSS run (worker as a child process)
  --rss-docs N       documents for the peak-RSS run (default 100000)
  --full             throughput runs, then the peak-RSS run
  -h, --help         this help

PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
every measurement gets a fresh schema, dropped at the end.`;

const RATIO_GOAL = 0.6;
const RSS_GOAL_MB = 500;
const SEED = 1;
const ROOT = resolve(import.meta.dirname, '..');

type Options = {
  docs: number;
  backends: BackendName[];
  batchSize: number;
  concurrency: number;
  badRatio: number;
  throughput: boolean;
  rss: boolean;
  rssDocs: number;
  postgresUrl: string;
};

function parseOptions(argv: string[]): Options | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        docs: { type: 'string', default: '10000' },
        backend: { type: 'string', default: 'both' },
        'batch-size': { type: 'string', default: '100' },
        concurrency: { type: 'string', default: '4' },
        'bad-ratio': { type: 'string', default: '0.02' },
        rss: { type: 'boolean', default: false },
        'rss-docs': { type: 'string', default: '100000' },
        full: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (values.help) return 'help';
  const whole = (flag: string, raw: string, min: number, max: number): number | string => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= min && n <= max ? n : `--${flag} expects a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`;
  };
  const docs = whole('docs', values.docs, 1, 10_000_000);
  const batchSize = whole('batch-size', values['batch-size'], 1, 1_000);
  const concurrency = whole('concurrency', values.concurrency, 1, 64);
  const rssDocs = whole('rss-docs', values['rss-docs'], 1, 10_000_000);
  for (const v of [docs, batchSize, concurrency, rssDocs]) if (typeof v === 'string') return v;
  const badRatio = Number(values['bad-ratio']);
  if (!(badRatio >= 0 && badRatio <= 1)) return `--bad-ratio expects a number from 0 to 1, got ${JSON.stringify(values['bad-ratio'])}`;
  const backend = values.backend;
  if (backend !== 'pglite' && backend !== 'postgres' && backend !== 'both') return `--backend expects pglite, postgres or both, got ${JSON.stringify(backend)}`;
  return {
    docs: docs as number,
    backends: backend === 'both' ? ['pglite', 'postgres'] : [backend],
    batchSize: batchSize as number,
    concurrency: concurrency as number,
    badRatio,
    throughput: !values.rss,
    rss: values.rss || values.full,
    rssDocs: rssDocs as number,
    postgresUrl: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  };
}

// ---- resources, all released at the end (or on Ctrl-C) ----

const cleanups: Array<{ name: string; fn: () => Promise<void> | void }> = [];

function onCleanup(name: string, fn: () => Promise<void> | void): () => Promise<void> {
  const entry = { name, fn };
  cleanups.push(entry);
  return async () => {
    const at = cleanups.indexOf(entry);
    if (at === -1) return;
    cleanups.splice(at, 1);
    await fn();
  };
}

async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop();
    if (!entry) break;
    try {
      await entry.fn();
    } catch (error) {
      console.error(`cleanup of ${entry.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// ---- output ----

const summary: string[] = [];
const missed: string[] = [];

function line(text: string, keep = true): void {
  console.log(text);
  if (keep) summary.push(text);
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);

function countsText(c: ImportCounts): string {
  return `created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, rejected ${c.rejected}`;
}

type Measurement = { backend: BackendName; path: 'temporal' | 'direct'; docs: number; ms: number; counts: ImportCounts; failures?: string };

function report(m: Measurement): void {
  line(
    `${pad(m.backend, 9)} ${pad(m.path, 9)} ${padL(m.docs, 6)} docs ${padL(seconds(m.ms), 8)} ${padL(Math.round(rate(m.docs, m.ms)), 6)} docs/s   (${countsText(m.counts)})`,
  );
  if (m.failures) line(`${pad(m.backend, 9)} ${pad(m.path, 9)} retried activity attempts: ${m.failures}`);
}

// ---- the two ways ----

type Shared = { devServer: DevServer; bundle: { code: string }; source: string; options: Options };

function benchConfig(address: string, database: DatabaseConfig, options: Options, dataDir: string): Config {
  const config = loadConfig({
    TEMPORAL_ADDRESS: address,
    TASK_QUEUE: `bench-${process.pid}-${Date.now().toString(36)}`,
    PRESSROOM_DATA_DIR: dataDir,
    IMPORT_BATCH_SIZE: String(options.batchSize),
    IMPORT_CONCURRENCY: String(options.concurrency),
    PRESSROOM_SHUTDOWN_GRACE_MS: '2000',
  });
  return { ...config, database };
}

async function measureDirect(shared: Shared, backend: BackendName): Promise<Measurement> {
  const { options } = shared;
  const db = await freshDatabase(backend, options.postgresUrl);
  const dropDb = onCleanup(`database ${db.describe}`, () => db.cleanup());
  try {
    const store = await openStore(db.config);
    try {
      const start = performance.now();
      const result = await importDirect(store, { paths: [shared.source], batchSize: options.batchSize, policy: 'flagged' });
      const ms = performance.now() - start;
      return { backend, path: 'direct', docs: result.total, ms, counts: result.counts };
    } finally {
      await store.close();
    }
  } finally {
    await dropDb();
  }
}

async function measureTemporal(shared: Shared, backend: BackendName): Promise<Measurement> {
  const { options } = shared;
  const db = await freshDatabase(backend, options.postgresUrl);
  const dropDb = onCleanup(`database ${db.describe}`, () => db.cleanup());
  const scratch = tempDir('pressroom-bench-worker-');
  const dropScratch = onCleanup(`dir ${scratch.path}`, () => scratch.remove());
  try {
    const config = benchConfig(shared.devServer.address, db.config, options, scratch.path);
    const running = await startWorker(config, { workflowBundle: shared.bundle, http: false });
    const stopWorker = onCleanup('worker', () => running.shutdown());
    try {
      const pc = await connectClient(config);
      try {
        takeFailures();
        const start = performance.now();
        const { handle } = await startImport(
          pc,
          { paths: [shared.source], batchSize: options.batchSize, concurrency: options.concurrency },
          { id: `bench-import-${backend}-${Date.now().toString(36)}` },
        );
        const result = await handle.result();
        const ms = performance.now() - start;
        if (result.status !== 'completed') throw new Error(`the import ended ${result.status}`);
        return { backend, path: 'temporal', docs: result.total, ms, counts: result.counts, failures: takeFailures() };
      } finally {
        await pc.close();
      }
    } finally {
      await stopWorker();
    }
  } finally {
    await dropDb();
    await dropScratch();
  }
}

/** A small untimed import first, so neither measured path pays for the JIT's warm-up. */
async function warmUp(dir: string, options: Options): Promise<void> {
  const source = join(dir, 'warmup');
  await writeSynthCorpus(source, { seed: SEED + 1, count: 300, badRatio: options.badRatio });
  const db = await freshDatabase('pglite', options.postgresUrl);
  try {
    const store = await openStore(db.config);
    try {
      await importDirect(store, { paths: [source], batchSize: options.batchSize, policy: 'flagged' });
    } finally {
      await store.close();
    }
  } finally {
    await db.cleanup();
  }
}

async function throughput(options: Options, backends: BackendName[], devServer: DevServer, work: string): Promise<void> {
  const source = join(work, 'source');
  const synthStart = performance.now();
  const synth = await writeSynthCorpus(source, { seed: SEED, count: options.docs, badRatio: options.badRatio });
  console.log(
    `synthesized ${options.docs} exports (${synth.bad} malformed, ${(synth.bytes / 1024 / 1024).toFixed(1)} MB) in ${seconds(performance.now() - synthStart)}`,
  );
  const bundleStart = performance.now();
  const bundle = await bundleWorkflowCode({ workflowsPath: resolveWorkflowsPath(), logger: quietLogger });
  console.log(`bundled the workflows in ${seconds(performance.now() - bundleStart)} (once, untimed)`);
  await warmUp(work, options);

  const shared: Shared = { devServer, bundle, source, options };
  line('');
  line(
    `settings: ${options.docs} docs, batch size ${options.batchSize}, Temporal concurrency ${options.concurrency} (direct loop: sequential), bad ratio ${options.badRatio}`,
  );
  for (const backend of backends) {
    // Direct first, then Temporal; each on an empty database of its own.
    const direct = await measureDirect(shared, backend);
    report(direct);
    const temporal = await measureTemporal(shared, backend);
    report(temporal);
    const ratio = rate(temporal.docs, temporal.ms) / rate(direct.docs, direct.ms);
    const goal = backend === 'postgres' ? (ratio >= RATIO_GOAL ? '  goal met' : '  GOAL MISSED') : '';
    line(`${pad(backend, 9)} ratio temporal/direct ${ratio.toFixed(2)} (goal >= ${RATIO_GOAL.toFixed(2)} on postgres)${goal}`);
    if (backend === 'postgres' && ratio < RATIO_GOAL) missed.push(`GOAL MISSED: postgres temporal/direct ${ratio.toFixed(2)} < ${RATIO_GOAL.toFixed(2)}`);
    if (JSON.stringify(temporal.counts) !== JSON.stringify(direct.counts)) {
      line(`${pad(backend, 9)} WARNING: the two paths counted differently (temporal: ${countsText(temporal.counts)}; direct: ${countsText(direct.counts)})`);
    }
  }
}

// ---- peak RSS of a worker process ----

async function waitForHealth(url: string, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('the worker process exited before it was ready');
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the worker's ${url}/health did not answer 200 within ${timeoutMs} ms`);
}

async function rssRun(options: Options, backend: BackendName, devServer: DevServer, work: string): Promise<void> {
  const source = join(work, 'rss-source');
  line('');
  line(
    `rss: ${options.rssDocs} docs on ${backend}, batch size ${options.batchSize}, concurrency ${options.concurrency}, worker = child process (node bin/pressroom.mjs worker${process.env.NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ''})`,
  );
  const dropSource = onCleanup(`dir ${source}`, () => tempDirRemove(source));
  const synthStart = performance.now();
  const synth = await writeSynthCorpus(source, { seed: SEED, count: options.rssDocs, badRatio: options.badRatio });
  console.log(
    `synthesized ${options.rssDocs} exports (${synth.bad} malformed, ${(synth.bytes / 1024 / 1024).toFixed(1)} MB) in ${seconds(performance.now() - synthStart)}`,
  );

  const db = await freshDatabase(backend, options.postgresUrl);
  const dropDb = onCleanup(`database ${db.describe}`, () => db.cleanup());
  const httpPort = await freePort();
  const taskQueue = `bench-rss-${process.pid}-${Date.now().toString(36)}`;
  const logPath = join(work, 'worker.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: devServer.address,
    TASK_QUEUE: taskQueue,
    PRESSROOM_HTTP_PORT: String(httpPort),
    PRESSROOM_HTTP_HOST: '127.0.0.1',
    IMPORT_BATCH_SIZE: String(options.batchSize),
    IMPORT_CONCURRENCY: String(options.concurrency),
    PRESSROOM_SHUTDOWN_GRACE_MS: '5000',
  };
  delete env.DATABASE_URL;
  if (db.config.kind === 'postgres') env.DATABASE_URL = db.config.url;
  else env.PRESSROOM_DATA_DIR = resolve(db.config.dataDir, '..', 'pressroom');

  const child = spawn(process.execPath, [join(ROOT, 'bin', 'pressroom.mjs'), 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logPath);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const exit = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      exited = true;
      resolveExit(code);
    }),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the worker process');
  const stopChild = onCleanup(`worker process ${pid}`, async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exit.then(() => false), sleep(20_000).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exit;
    }
  });

  let sampledMax = 0;
  const sampler = setInterval(() => {
    sampledMax = Math.max(sampledMax, procStatusMb(pid, 'VmRSS') ?? 0);
  }, 500);
  const stopSampler = onCleanup('rss sampler', () => clearInterval(sampler));

  let pc: PressroomClient | undefined;
  try {
    await waitForHealth(`http://127.0.0.1:${httpPort}`, () => !exited, 120_000);
    const idleMb = procStatusMb(pid, 'VmRSS') ?? 0;
    console.log(`worker process ${pid} ready (RSS ${idleMb.toFixed(0)} MB idle); importing...`);

    const config = loadConfig({ TEMPORAL_ADDRESS: devServer.address, TASK_QUEUE: taskQueue, PRESSROOM_DATA_DIR: work });
    pc = await connectClient(config);
    const workflowId = `bench-rss-${backend}-${Date.now().toString(36)}`;
    const start = performance.now();
    const { handle } = await startImport(pc, { paths: [source], batchSize: options.batchSize, concurrency: options.concurrency }, { id: workflowId });
    const client = pc;
    const progress = setInterval(() => {
      importProgress(client, workflowId).then(
        (p) =>
          console.log(
            `  ${seconds(performance.now() - start)}: ${p.phase} ${p.processed}/${p.total} files, run ${p.runs}, worker RSS ${(procStatusMb(pid, 'VmRSS') ?? 0).toFixed(0)} MB (peak ${(procStatusMb(pid, 'VmHWM') ?? 0).toFixed(0)} MB)`,
          ),
        () => undefined,
      );
    }, 15_000);
    const stopProgress = onCleanup('progress', () => clearInterval(progress));
    let result;
    try {
      result = await Promise.race([
        handle.result(),
        exit.then((code) => {
          throw new Error(`the worker process exited (code ${code}) during the import; see its log above`);
        }),
      ]);
    } finally {
      await stopProgress();
    }
    const ms = performance.now() - start;
    const peakMb = procStatusMb(pid, 'VmHWM');
    if (peakMb === undefined) throw new Error(`cannot read /proc/${pid}/status`);
    await stopSampler();
    line(
      `${pad(backend, 9)} rss       ${padL(result.total, 6)} docs ${padL(seconds(ms), 8)} ${padL(Math.round(rate(result.total, ms)), 6)} docs/s   (${result.status}, ${countsText(result.counts)}, ${result.runs} workflow runs)`,
    );
    const pass = peakMb < RSS_GOAL_MB;
    line(
      `${pad(backend, 9)} worker peak RSS (VmHWM) ${peakMb.toFixed(0)} MB (sampled max VmRSS ${sampledMax.toFixed(0)} MB): ${pass ? 'PASS' : 'FAIL'} (goal < ${RSS_GOAL_MB} MB)`,
    );
    if (!pass) missed.push(`GOAL MISSED: worker peak RSS ${peakMb.toFixed(0)} MB >= ${RSS_GOAL_MB} MB`);
    const workerLog = readFileSync(logPath, 'utf8');
    const failed = workerLog.split('Activity failed').length - 1;
    if (failed > 0)
      line(
        `${pad(backend, 9)} rss       retried activity attempts: ${failed} (${workerLog.split('deadlock detected').length - 1} mentions of "deadlock detected"; log ${logPath})`,
      );
  } catch (error) {
    log.end();
    const tail = (() => {
      try {
        return readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
      } catch {
        return '(no log)';
      }
    })();
    console.error(`worker log (last lines):\n${tail}`);
    throw error;
  } finally {
    await pc?.close();
    await stopSampler();
    await stopChild();
    await dropDb();
    await dropSource();
  }
}

function tempDirRemove(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };

// ---- main ----

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof options === 'string') {
    console.error(`bench:import: ${options}\n\n${USAGE}`);
    return 2;
  }

  let backends = options.backends;
  if (backends.includes('postgres')) {
    const why = await postgresUnreachable(options.postgresUrl);
    if (why) {
      line(`PostgreSQL at ${printableUrl(options.postgresUrl)} is unreachable (${why}): measuring PGlite only`);
      backends = backends.filter((b) => b !== 'postgres');
      if (backends.length === 0) backends = ['pglite'];
    } else {
      console.log(`PostgreSQL: ${printableUrl(options.postgresUrl)} (a fresh schema per measurement)`);
    }
  }

  setupTemporalBinaries();
  const work = tempDir('pressroom-bench-import-');
  onCleanup(`dir ${work.path}`, () => work.remove());
  // Workflows upsert Pressroom's search attributes: a server without them fails every workflow task.
  const devServer = await startDevServer({
    headless: true,
    logFile: join(work.path, 'temporal.log'),
    startTimeoutMs: 90_000,
    searchAttributes: searchAttributeFlags(),
  });
  onCleanup('Temporal dev server', () => devServer.stop());
  console.log(`Temporal dev server at ${devServer.address} (headless)`);

  if (options.throughput) await throughput(options, backends, devServer, work.path);
  if (options.rss) await rssRun(options, backends.includes('postgres') ? 'postgres' : 'pglite', devServer, work.path);

  console.log('\n==== summary ====');
  for (const text of summary) if (text !== '') console.log(text);
  for (const text of missed) console.log(text);
  return 0;
}

let code: number;
const interrupt = () => {
  console.error('\ninterrupted: cleaning up');
  void cleanupAll().finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  code = 1;
} finally {
  await cleanupAll();
}
// The Temporal runtime's native threads would keep the process alive: exit explicitly.
process.exit(code);
