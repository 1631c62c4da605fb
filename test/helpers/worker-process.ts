import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseConfig } from '../../src/store/index.js';
import { freePort } from '../../src/temporal/ports.js';

export type WorkerProcess = { child: ChildProcess; httpUrl: string; output: () => string; exited: Promise<number | null> };

/**
 * `pressroom worker` as a child process: the real entry point, killable with any signal. `workflowBundle`
 * (a prebuilt bundle) spares a worker bundling at start, which matters when several start at once.
 */
export async function spawnWorker(options: {
  temporalAddress: string;
  taskQueue: string;
  database: DatabaseConfig;
  workflowBundle?: string;
}): Promise<WorkerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TASK_QUEUE: options.taskQueue,
    PRESSROOM_HTTP_PORT: String(port),
    PRESSROOM_SHUTDOWN_GRACE_MS: '2000',
    ...(options.workflowBundle ? { PRESSROOM_WORKFLOW_BUNDLE: options.workflowBundle } : {}),
    ...(options.database.kind === 'postgres'
      ? { DATABASE_URL: options.database.url }
      : { DATABASE_URL: '', PRESSROOM_DATA_DIR: options.database.dataDir.replace(/\/db$/, '') }),
  };
  const child = spawn(process.execPath, ['bin/pressroom.mjs', 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${httpUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, httpUrl, output: () => output, exited };
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`worker did not become healthy within 60 s:\n${output}`);
}
