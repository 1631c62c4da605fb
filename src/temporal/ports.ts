import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { ErrorType, PressroomError } from '../domain/errors.js';

// `pressroom dev` never shares a port: a Temporal server already on its gRPC port would answer its
// health checks and its worker would poll a stranger's task queue. So every port is checked before
// anything starts, and a taken one is reported with whoever holds it.

export type PortHolder = { pid: number; command: string };

export type NeededPort = {
  port: number;
  /** What it is for, e.g. "Temporal gRPC". */
  role: string;
  /** How to change it, e.g. "--port N" or "PRESSROOM_METRICS_ADDRESS=host:N". */
  flag: string;
  /** Where it will listen (default: the host given to assertPortsFree). */
  host?: string;
};

export class PortInUseError extends PressroomError {
  constructor(
    readonly needed: NeededPort,
    readonly host: string,
    readonly holder: PortHolder | undefined,
    readonly logFile: string | undefined,
  ) {
    const by = holder ? `by pid ${holder.pid} (${holder.command})` : 'by another process (its pid is not visible to this user)';
    super(
      ErrorType.PortInUse,
      `port ${needed.port} (${needed.role}) on ${host} is already in use ${by}. ` +
        `Stop that process or choose another port with ${needed.flag}. ` +
        'Nothing was started; retrying helps only once the port is free.' +
        (logFile ? ` The Temporal server's log is ${logFile}.` : ''),
    );
  }
}

/** True when we could listen on host:port right now. */
/** A port the OS says is free now (a tiny window for a race remains, on loopback only). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('the OS gave no free port'))));
    });
  });
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local_address rem_address st ... inode(9)
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue; // 0A = LISTEN
      const hexPort = local.split(':').pop();
      if (hexPort && parseInt(hexPort, 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const text = argv.join(' ');
    return text.length > 160 ? `${text.slice(0, 157)}…` : text || `pid ${pid}`;
  } catch {
    return `pid ${pid}`;
  }
}

function holderFromProc(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match && inodes.has(match[1]!)) return { pid: Number(pid), command: commandOf(Number(pid)) };
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

function holderFromSs(port: number): PortHolder | undefined {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 3_000 });
  if (result.status !== 0 || !result.stdout) return undefined;
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(result.stdout);
  return match ? { pid: Number(match[2]), command: commandOf(Number(match[2])) === `pid ${match[2]}` ? match[1]! : commandOf(Number(match[2])) } : undefined;
}

/** Who listens on a TCP port, when this user may see it (Linux /proc, else `ss`). */
export function findPortHolder(port: number): PortHolder | undefined {
  return holderFromProc(port) ?? holderFromSs(port);
}

/** Throws PortInUseError for the first needed port that is taken (or listed twice). */
export async function assertPortsFree(needed: NeededPort[], host: string, logFile?: string): Promise<void> {
  const seen = new Map<number, NeededPort>();
  for (const entry of needed) {
    const clash = seen.get(entry.port);
    if (clash) {
      throw new PortInUseError(entry, host, { pid: process.pid, command: `this pressroom dev, for ${clash.role} (${clash.flag})` }, logFile);
    }
    seen.set(entry.port, entry);
    const on = entry.host ?? host;
    if (!(await isPortFree(entry.port, on))) throw new PortInUseError(entry, on, findPortHolder(entry.port), logFile);
  }
}
