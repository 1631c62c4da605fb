// `pressroom worker` child processes for the import benchmark: the real entry point, as a user runs
// it, so the peak RSS measured is a worker's own and several of them share one task queue the way
// users scale out. Each writes its log to a file; the benchmark prints the tail when one fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseConfig } from '../src/store/index.js';
import { freePort } from '../src/temporal/ports.js';
import { procStatusMb } from './lib.js';

const ROOT = resolve(import.meta.dirname, '..');

export type WorkerProcess = {
  pid: number;
  /** The worker's Temporal identity (the SDK's default, `pid@host`): what history events name it by. */
  identity: string;
  logPath: string;
  alive(): boolean;
  /** Peak resident set so far (VmHWM), in MB; the last value read once the process has exited. */
  peakMb(): number;
  logTail(lines?: number): string;
  stop(): Promise<void>;
  exited: Promise<number | null>;
};

export type WorkerSettings = {
  temporalAddress: string;
  taskQueue: string;
  database: DatabaseConfig;
  /** A prebuilt workflow bundle (`PRESSROOM_WORKFLOW_BUNDLE`), so N workers do not bundle N times. */
  bundlePath: string;
  batchSize: number;
  concurrency: number;
  logDir: string;
  /** The HTTP API's port (default: a free one); a cache in front of the worker needs it before the worker starts. */
  httpPort?: number;
  /** More environment for the worker (CACHE_PURGE_URL, SITE_URL, …). */
  env?: Record<string, string>;
  /** Node options for the worker process (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
};

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

/**
 * What the worker image runs with (Dockerfile: NODE_OPTIONS): V8 otherwise lets a busy worker's heap grow
 * towards its default limit (a quarter of the machine's memory) long before it collects, which measured
 * 505–520 MB peak RSS at 10,000 documents against 325 MB with this cap, at the same speed. A 32 MB
 * semi-space (16 MB by default) helped while the main thread parsed (less GC, +30 MB); since parsing runs
 * on a parse thread it only costs memory: 535 MB peak RSS against 443 MB at the default, same speed. With
 * the heaps' growth at 100 % (PRESSROOM_HEAP_GROWTH_PERCENT) an 8 MB semi-space, for every heap of the
 * process (the flag is read as each isolate starts: main, parse and workflow threads), measured 428–442 MB
 * peak RSS after seven imports against 488–509 MB at 16 MB, worker CPU per document the same (four
 * alternating runs each, 2026-12-08); set at run time it would reach only the threads (469 MB).
 */
export const WORKER_NODE_ARGS = ['--max-old-space-size=384', '--max-semi-space-size=8'];

export async function startWorkerProcess(settings: WorkerSettings, name: string): Promise<WorkerProcess> {
  const httpPort = settings.httpPort ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TASK_QUEUE: settings.taskQueue,
    PRESSROOM_HTTP_PORT: String(httpPort),
    PRESSROOM_HTTP_HOST: '127.0.0.1',
    PRESSROOM_WORKFLOW_BUNDLE: settings.bundlePath,
    IMPORT_BATCH_SIZE: String(settings.batchSize),
    IMPORT_CONCURRENCY: String(settings.concurrency),
    PRESSROOM_SHUTDOWN_GRACE_MS: '5000',
    LOG_LEVEL: 'WARN',
    ...settings.env,
  };
  delete env.DATABASE_URL;
  if (settings.database.kind === 'postgres') env.DATABASE_URL = settings.database.url;
  else env.PRESSROOM_DATA_DIR = resolve(settings.database.dataDir, '..');

  mkdirSync(settings.logDir, { recursive: true });
  const logPath = join(settings.logDir, `${name}.log`);
  const child: ChildProcess = spawn(process.execPath, [...WORKER_NODE_ARGS, ...(settings.nodeArgs ?? []), join(ROOT, 'bin', 'pressroom.mjs'), 'worker'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logPath);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start worker process ${name}`);
  let exitedNow = false;
  let lastPeak = 0;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      exitedNow = true;
      resolveExit(code);
    }),
  );
  const peakMb = () => {
    if (!exitedNow) lastPeak = Math.max(lastPeak, procStatusMb(pid, 'VmHWM') ?? 0);
    return lastPeak;
  };
  // Sampled as it runs too: VmHWM vanishes with the process, and a killed worker's peak still counts.
  const sampler = setInterval(peakMb, 1_000);
  const logTail = (lines = 30) => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const stop = async () => {
    clearInterval(sampler);
    if (exitedNow) return;
    peakMb();
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(20_000).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await waitForHealth(`http://127.0.0.1:${httpPort}`, () => !exitedNow, 120_000);
  } catch (error) {
    await stop();
    throw new Error(`worker ${name}: ${error instanceof Error ? error.message : String(error)}\n${logTail()}`, { cause: error });
  }
  return { pid, identity: `${pid}@${hostname()}`, logPath, alive: () => !exitedNow, peakMb, logTail, stop, exited };
}

/** Starts `count` workers on one task queue, in parallel; all or none. */
export async function startWorkerProcesses(settings: WorkerSettings, count: number, prefix: string): Promise<WorkerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startWorkerProcess(settings, `${prefix}-${i + 1}`)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.stop()));
    throw failed.reason;
  }
  return workers;
}
