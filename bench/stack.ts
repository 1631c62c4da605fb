// What every Temporal benchmark starts once (a work directory, the dev server, the workflow bundle) and
// how it runs to the end: its resources are released in reverse order when it ends, fails or is
// interrupted (cleanup.ts).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { searchAttributeFlags } from '../src/domain/names.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { setupTemporalBinaries } from '../src/temporal/setup.js';
import { cleanupAll, onCleanup } from './cleanup.js';
import { tempDir } from './lib.js';

const ROOT = resolve(import.meta.dirname, '..');

/** A work directory (`prefix…`, removed at the end) and a headless dev server whose log is kept in it. */
export async function startBenchServer(prefix: string, say: (text: string) => void): Promise<{ work: string; devServer: DevServer }> {
  setupTemporalBinaries();
  const work = tempDir(prefix);
  onCleanup(`dir ${work.path}`, () => rmSync(work.path, { recursive: true, force: true }));
  // Workflows upsert Pressroom's search attributes: a server without them fails every workflow task.
  const devServer = await startDevServer({
    headless: true,
    logFile: join(work.path, 'temporal.log'),
    startTimeoutMs: 90_000,
    searchAttributes: searchAttributeFlags(),
  });
  onCleanup('Temporal dev server', () => devServer.stop());
  say(`Temporal dev server at ${devServer.address} (headless)`);
  return { work: work.path, devServer };
}

/** Bundles the workflows once into `work`, for every worker process the benchmark starts; returns the bundle's path. */
export function bundleWorkflows(work: string): string {
  const bundlePath = join(work, 'workflows.js');
  execFileSync(process.execPath, [join(ROOT, 'bin', 'pressroom.mjs'), 'bundle-workflows', bundlePath], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return bundlePath;
}

/** Runs a benchmark's main, releases what it started (on Ctrl-C too), and exits with its code. */
export async function runBench(main: () => Promise<number>): Promise<never> {
  process.once('SIGINT', () => {
    console.error('\ninterrupted: cleaning up');
    void cleanupAll().finally(() => process.exit(130));
  });
  let code: number;
  try {
    code = await main();
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    code = 1;
  } finally {
    await cleanupAll();
  }
  // Native handles (the client's connection, the dev server's pipes) may linger: exit explicitly.
  process.exit(code);
}

/** Runs `task` over `items`, at most `limit` at once. */
export async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}
