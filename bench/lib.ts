// Small helpers for the benchmarks: fresh databases (a temp PGlite dir
// or a fresh PostgreSQL schema), and reading a process's memory from /proc.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../src/store/index.js';

export type BackendName = 'pglite' | 'postgres';

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Redacts a password, if any, for printing. */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Connects once with a short timeout: undefined when reachable, else why not. */
export async function postgresUnreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type FreshDatabase = { config: DatabaseConfig; describe: string; cleanup(): Promise<void> };

let counter = 0;

/** A fresh, empty database: a new PGlite data dir, or a new schema on the PostgreSQL server. */
export async function freshDatabase(backend: BackendName, postgresUrl: string): Promise<FreshDatabase> {
  if (backend === 'pglite') {
    const dir = tempDir('pressroom-bench-pglite-');
    return { config: { kind: 'pglite', dataDir: join(dir.path, 'db') }, describe: dir.path, cleanup: () => Promise.resolve(dir.remove()) };
  }
  const schema = `bench_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  return {
    config: { kind: 'postgres', url: withSearchPath(postgresUrl, schema) },
    describe: `schema ${schema}`,
    async cleanup() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A `Vm*` line of /proc/<pid>/status in MB (VmHWM is the peak resident set), or undefined. */
export function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, ms) used so far by the processes whose command line matches, read from
 * /proc: what an import cost each process, which wall-clock figures on a shared machine hide.
 */
export function cpuMsOf(match: (cmdline: string, pid: number) => boolean): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let ms = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!match(cmdline, Number(pid))) continue;
      // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function rate(docs: number, ms: number): number {
  return docs / (ms / 1000);
}
