import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import type { Config } from './config.js';
import { apiRoutes } from './http/api.js';
import { createHttpServer, listen } from './http/server.js';
import { openStore, type Store } from './store/index.js';
import { bundleWorkflowsInChild } from './temporal/bundle.js';
import { connectionOptions } from './temporal/connection.js';

// The composition root: the one place where config, store, activities, the Temporal worker and the
// HTTP server are wired together.

export function resolveWorkflowsPath(): string {
  const ts = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./workflows/index.js', import.meta.url));
}

export type WorkerOverrides = {
  /** A pre-built bundle (tests bundle once per run; production may ship one). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Replace or add activities (tests). */
  activities?: (store: Store) => Record<string, (...args: never[]) => unknown>;
  /** Skip the HTTP server (tests that run several workers in one process). */
  http?: boolean;
};

export type RunningWorker = {
  worker: Worker;
  store: Store;
  /** Where the HTTP API listens, e.g. http://127.0.0.1:8080 (undefined when disabled). */
  httpUrl: string | undefined;
  /** Resolves when the worker has stopped and everything it opened is closed. */
  done: Promise<void>;
  /** Graceful stop: in-flight activities get shutdownGraceMs, then are cancelled; the database is closed. */
  shutdown(): Promise<void>;
};

export async function startWorker(config: Config, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  const store = await openStore(config.database);
  const cleanups: Array<() => Promise<void>> = [() => store.close()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const options = connectionOptions(config);
    const nativeConnection = await NativeConnection.connect(options);
    cleanups.push(() => nativeConnection.close());
    const clientConnection = await Connection.connect(options);
    cleanups.push(() => clientConnection.close());

    let workflowBundle = overrides.workflowBundle;
    if (!workflowBundle) {
      const bundle = await bundleWorkflowsInChild();
      cleanups.push(async () => bundle.remove());
      workflowBundle = { codePath: bundle.codePath };
    }
    const activities = { ...createActivities({ store, reviewPolicy: config.reviewPolicy }), ...(overrides.activities?.(store) ?? {}) };
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities,
      workflowBundle,
      shutdownGraceTime: config.shutdownGraceMs,
      maxConcurrentActivityTaskExecutions: Math.max(config.import.concurrency * 2, 8),
    });

    let httpUrl: string | undefined;
    if (overrides.http !== false) {
      const server = createHttpServer({
        checks: {
          temporal: async () => {
            await clientConnection.healthService.check({});
          },
          database: () => store.db.ping(),
        },
        routes: apiRoutes(store),
      });
      const address = await listen(server, config.http.port, config.http.host);
      httpUrl = `http://${config.http.host}:${address.port}`;
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      );
    }

    const done = worker.run().finally(cleanup);
    return {
      worker,
      store,
      httpUrl,
      done,
      async shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
