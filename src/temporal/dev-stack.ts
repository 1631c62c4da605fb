import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorType, PressroomError } from '../domain/errors.js';
import type { DevServerPidRecord } from './dev-server.js';
import { processAlive } from './process.js';

// What `pressroom dev` needs before it starts anything: its ports, and the certainty that no
// Temporal server from an earlier run still holds its data dir's temporal.db.

export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_HTTP_PORT = 8080;

export class LeftoverServerError extends PressroomError {
  constructor(message: string) {
    super(ErrorType.DataDirLocked, message);
  }
}

/** The port of a host:port address (TEMPORAL_ADDRESS), if it has one. */
export function portOfAddress(address: string | undefined): number | undefined {
  const match = /:(\d{1,5})$/.exec(address ?? '');
  const port = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(port) && port >= 1 && port <= 65_535 ? port : undefined;
}

export type DevPorts = { port: number; uiPort: number };

/** --port, else TEMPORAL_ADDRESS's port, else 7233; the Web UI defaults to the gRPC port + 1000, as Temporal's own. */
export function devPorts(options: { port?: number | undefined; uiPort?: number | undefined }, env: NodeJS.ProcessEnv = process.env): DevPorts {
  const port = options.port ?? portOfAddress(env.TEMPORAL_ADDRESS) ?? DEFAULT_TEMPORAL_PORT;
  return { port, uiPort: options.uiPort ?? port + 1000 };
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await sleep(100);
  }
  return !processAlive(pid);
}

/**
 * Stops a Temporal server that an earlier `pressroom dev` on this data dir left running (its
 * wrapper was killed with it, say). The caller holds the data dir's lock, so a live server recorded
 * in pidFile has no owner. Returns the pid stopped, if any.
 */
export async function stopLeftoverServer(pidFile: string, dbFile: string): Promise<number | undefined> {
  let record: DevServerPidRecord;
  try {
    record = JSON.parse(readFileSync(pidFile, 'utf8')) as DevServerPidRecord;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(record.pid) || !processAlive(record.pid)) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  const command = cmdline(record.pid);
  if (command === undefined) {
    throw new LeftoverServerError(
      `a Temporal server from an earlier pressroom dev may still be running on this data dir (pid ${record.pid}, ` +
        `recorded in ${pidFile}) and this system cannot show its command line. Stop it (kill ${record.pid}) ` +
        `or, if that pid is something else now, delete ${pidFile}; then start again.`,
    );
  }
  // The pid may have been reused by an unrelated process since: only a server on our db is ours.
  if (!command.includes('start-dev') || !command.includes(dbFile)) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  process.kill(record.pid, 'SIGTERM');
  if (!(await waitGone(record.pid, 10_000))) {
    process.kill(record.pid, 'SIGKILL');
    await waitGone(record.pid, 5_000);
  }
  if (record.watchdogPid && processAlive(record.watchdogPid) && (cmdline(record.watchdogPid) ?? '').includes('pressroom watchdog')) {
    process.kill(record.watchdogPid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  return record.pid;
}
