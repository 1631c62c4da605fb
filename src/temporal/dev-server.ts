import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { findPortHolder, freePort } from './ports.js';
import { ensureTemporalBinary } from './setup.js';
import { spawnWatched, type Watched } from './watchdog.js';
import { processAlive } from './process.js';

// Our own launcher for `temporal server start-dev`: the SDK's would download the binary and gives
// it only 5 s to start, which a loaded 2-core machine can miss.

export type DevServerOptions = {
  ip?: string;
  port?: number;
  uiPort?: number;
  /** Persist state here; omitted means in memory. */
  dbFile?: string;
  namespace?: string;
  headless?: boolean;
  /** Where the server's own output goes (a file), so it does not flood the terminal. */
  logFile?: string;
  startTimeoutMs?: number;
  searchAttributes?: string[];
  /** Record the server's pid here while it runs (the data dir's temporal.pid). */
  pidFile?: string;
};

export type DevServer = {
  address: string;
  uiUrl: string | undefined;
  /** The watchdog wrapping the server (see watchdog.ts). */
  process: ChildProcess;
  /** The server's own pid. */
  pid: number;
  /** Resolves when the server (and its watchdog) has exited, whoever stopped it. */
  exited: Promise<DevServerExit>;
  stop(): Promise<void>;
};

export async function waitForTemporal(address: string, namespace: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the Temporal server at ${address} exited before it was ready`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await sleep(200);
    }
  }
  throw new Error(`Temporal at ${address} was not ready within ${timeoutMs} ms: ${String(lastError)}`);
}

async function killOrphan(pid: number): Promise<void> {
  if (!processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 5_000 && processAlive(pid); waited += 100) await sleep(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

function logTail(logFile: string | undefined, lines = 8): string {
  if (!logFile) return '';
  try {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n    ');
    return tail ? `\n  last lines of ${logFile}:\n    ${tail}` : '';
  } catch {
    return '';
  }
}

export class DevServerError extends PressroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorType.TemporalUnavailable, message, options);
  }
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = ensureTemporalBinary('cli');
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  let uiUrl: string | undefined;
  if (options.headless) {
    args.push('--headless');
  } else {
    const uiPort = options.uiPort ?? port + 1000;
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://${ip}:${uiPort}`;
  }
  for (const attribute of options.searchAttributes ?? []) args.push('--search-attribute', attribute);

  // The server writes straight into its log file, not through us: after our death its output must
  // not hit a closed pipe, and the log must still say what happened.
  let outFd: number | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    outFd = openSync(options.logFile, 'a');
  }
  const logHint = options.logFile ? ` (its log: ${options.logFile})` : '';
  let watched: Watched;
  try {
    watched = spawnWatched(binary, args, { outFd });
  } finally {
    if (outFd !== undefined) closeSync(outFd);
  }
  const child = watched.child;
  let exitStatus: DevServerExit | undefined;
  let knownServerPid: number | undefined;
  void watched.serverPid.then(
    (pid) => (knownServerPid = pid),
    () => undefined,
  );
  const exited = new Promise<DevServerExit>((resolve) =>
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      // A wrapper killed on its own leaves the server behind: we are still here to stop it.
      if (knownServerPid !== undefined) void killOrphan(knownServerPid).then(() => resolve(exitStatus!));
      else resolve(exitStatus);
    }),
  );
  const forgetPid = () => {
    if (!options.pidFile) return;
    try {
      const recorded = JSON.parse(readFileSync(options.pidFile, 'utf8')) as { watchdogPid?: number };
      if (recorded.watchdogPid === child.pid) rmSync(options.pidFile, { force: true });
    } catch {
      // none recorded
    }
  };
  void exited.then(forgetPid);
  const stop = async () => {
    if (exitStatus) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(15_000, undefined, { ref: false }).then(() => true)]);
    if (timedOut) {
      // The wrapper leads its own process group, which holds the server too.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    }
  };
  const address = `${ip}:${port}`;
  let serverPid: number;
  try {
    serverPid = await Promise.race([
      watched.serverPid,
      exited.then((status) => Promise.reject(new DevServerError(`the Temporal server could not be started (${describeExit(status)})${logHint}`))),
    ]);
    if (options.pidFile) {
      mkdirSync(dirname(options.pidFile), { recursive: true });
      const record: DevServerPidRecord = { pid: serverPid, watchdogPid: child.pid!, port, dbFile: options.dbFile, startedAt: new Date().toISOString() };
      writeFileSync(options.pidFile, `${JSON.stringify(record)}\n`);
    }
    await waitForTemporal(address, namespace, options.startTimeoutMs ?? 60_000, () => exitStatus === undefined);
    // A server that lost the race for its port exits, but a stranger on that port answers the
    // health check first: make sure the one that answers is ours.
    const holder = findPortHolder(port);
    if (exitStatus || (holder && holder.pid !== serverPid)) {
      throw new DevServerError(
        `port ${port} answers, but not from the Temporal server this process started ` +
          `(${holder ? `held by pid ${holder.pid}: ${holder.command}` : describeExit(exitStatus!)})${logHint}`,
      );
    }
  } catch (error) {
    await stop();
    if (error instanceof DevServerError) throw new DevServerError(`${error.message}${logTail(options.logFile)}`);
    throw new DevServerError(`${error instanceof Error ? error.message : String(error)}${logHint}${logTail(options.logFile)}`, { cause: error });
  }
  return { address, uiUrl, process: child, pid: serverPid, exited, stop };
}

export type DevServerExit = { code: number | null; signal: NodeJS.Signals | null };

export function describeExit(status: DevServerExit): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

/** What a running dev server records in its data dir, so a later start can find a leftover. */
export type DevServerPidRecord = { pid: number; watchdogPid: number; port: number; dbFile?: string | undefined; startedAt: string };
