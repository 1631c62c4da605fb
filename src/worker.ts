import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { failureMappingInterceptor } from './activities/failures.js';
import { createActivities } from './activities/index.js';
import { ConfigError, type Config } from './config.js';
import { HEARTBEAT_THROTTLE } from './domain/names.js';
import { readApi } from './http/routes/index.js';
import { createHttpServer, listen } from './http/server.js';
import { identifyCandidate } from './release/build.js';
import { createHttpPurger, createNoopPurger } from './release/purger.js';
import { createParsePool } from './ingest/parse-pool.js';
import { openStore, type Store } from './store/index.js';
import { importMetricsInterceptor } from './telemetry/metrics.js';
import { installRuntime, scrapeMetrics } from './telemetry/runtime.js';
import { bundleWorkflowsInChild } from './temporal/bundle.js';
import { connectionOptions } from './temporal/connection.js';
import { ensureSearchAttributes } from './temporal/search-attributes.js';
import { temporalWorkflowStatus } from './temporal/workflow-status.js';

// The composition root: the one place where config, store, activities, the Temporal worker and the
// HTTP server are wired together.

export function resolveWorkflowsPath(): string {
  const ts = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./workflows/index.js', import.meta.url));
}

/**
 * The bundle PRESSROOM_WORKFLOW_BUNDLE names (the image builds one with `pressroom bundle-workflows`),
 * or undefined when unset: the worker then bundles at start, in a child process.
 */
export function prebuiltWorkflowBundle(config: Pick<Config, 'workflowBundle'>): { codePath: string } | undefined {
  if (config.workflowBundle === undefined) return undefined;
  if (!existsSync(config.workflowBundle)) {
    throw new ConfigError(
      `PRESSROOM_WORKFLOW_BUNDLE=${config.workflowBundle}: no such file (not retryable: build it with \`pressroom bundle-workflows ${config.workflowBundle}\`, or unset the variable to bundle at start)`,
    );
  }
  return { codePath: config.workflowBundle };
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

/**
 * The V8 flag for PRESSROOM_HEAP_GROWTH_PERCENT, or undefined for V8's own heuristic. A worker's live
 * heap is mostly the SDK and its modules (about 50 MB); each batch's documents outlive a young
 * collection and die in the old generation. V8's heuristic started the next full collection after a
 * few batches, so its concurrent marking of that live heap ran almost without pause: with twice the
 * room, the worker's CPU per imported document fell by about a tenth, for about 40 MB of memory; with
 * 150 % (and the image's 8 MB semi-space) by about 5 % more, for about 30 MB more.
 */
export function heapGrowthFlag(percent: number): string | undefined {
  return percent > 0 ? `--heap-growing-percent=${percent}` : undefined;
}

/** How many activities one worker runs at once; the PostgreSQL pool is sized from it. */
export function activitySlots(config: Pick<Config, 'import'>): number {
  return Math.max(config.import.concurrency * 2, 8);
}

export async function startWorker(config: Config, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  // Checked before anything starts: a prebuilt bundle that is missing is a configuration error, never a cue to bundle.
  const prebuiltBundle = overrides.workflowBundle ?? prebuiltWorkflowBundle(config);
  // V8 reads it whenever it sizes a heap after a full collection, so setting it now (the process-wide
  // flag, for the parse threads too) is as good as the command line.
  const heapFlag = heapGrowthFlag(config.heapGrowthPercent);
  if (heapFlag !== undefined) setFlagsFromString(heapFlag);
  // First: the SDK's Runtime (LOG_LEVEL, Prometheus exporter) can only be installed before anything touches it.
  const telemetry = await installRuntime(config);
  const { metricsUrl } = telemetry;
  // Every activity slot may hold a connection at once; two more keep /health and the read API answering.
  const store = await openStore(config.database, { poolSize: activitySlots(config) + 2 });
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
    const registered = await ensureSearchAttributes(clientConnection.operatorService, config.temporal.namespace, (message) => {
      telemetry.logger.warn(message);
    });
    if (registered.length > 0) telemetry.logger.info('registered search attributes', { names: registered, namespace: config.temporal.namespace });

    let httpUrl: string | undefined;
    let workflowBundle = prebuiltBundle;
    if (!workflowBundle) {
      const bundle = await bundleWorkflowsInChild();
      cleanups.push(() => Promise.resolve(bundle.remove()));
      workflowBundle = { codePath: bundle.codePath };
    }
    // Releases purge the cache at CACHE_PURGE_URL (none: a logged no-op) and verify the site at SITE_URL,
    // else at this worker's own HTTP API, whose address is known once it listens (below).
    const purger = config.cache.purgeUrl
      ? createHttpPurger({ url: config.cache.purgeUrl, mode: config.cache.purgeMode, log: telemetry.logger })
      : createNoopPurger(telemetry.logger);
    const siteUrl = () => config.siteUrl ?? httpUrl;
    // Parsing runs beside the main thread, which reads files, writes the database and runs the SDK.
    const parsePool = config.import.parseThreads > 0 ? createParsePool(config.import.parseThreads) : undefined;
    if (parsePool) cleanups.push(() => parsePool.close());
    const activities = {
      ...createActivities({ store, reviewPolicy: config.reviewPolicy, purger, siteUrl, ...(parsePool ? { parse: parsePool.parse } : {}) }),
      ...(overrides.activities?.(store) ?? {}),
    };
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities,
      workflowBundle,
      shutdownGraceTime: config.shutdownGraceMs,
      maxConcurrentActivityTaskExecutions: activitySlots(config),
      maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
      // Last, so the metrics see the mapped failure type: nothing leaves an activity unmapped.
      interceptors: { activity: [importMetricsInterceptor(), failureMappingInterceptor()] },
    });

    if (overrides.http !== false) {
      const server = createHttpServer({
        checks: {
          temporal: async () => {
            await clientConnection.healthService.check({});
          },
          database: () => store.db.ping(),
        },
        routes: readApi(store, {
          workflowStatus: temporalWorkflowStatus(clientConnection, config.temporal.namespace),
          logger: telemetry.logger,
          siteUrl: config.siteUrl,
          identifyCandidate,
        }),
        ...(metricsUrl ? { metrics: () => scrapeMetrics(metricsUrl) } : {}),
        logger: telemetry.logger,
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
