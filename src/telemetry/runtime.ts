import type { Logger } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Config } from '../config.js';
import { freePort } from '../temporal/ports.js';
import { BATCH_DURATION_BUCKETS, METRICS } from './metrics.js';

// The process's Temporal Runtime: its logger (LOG_LEVEL) and its Prometheus exporter. The SDK allows
// one Runtime.install per process, before anything touches the runtime, so every entry that runs a
// worker installs it through here first (startWorker does) and later calls get the same result.

export type Telemetry = {
  logger: Logger;
  /** The SDK exporter's scrape URL; undefined when the Runtime was installed by someone else (tests). */
  metricsUrl: string | undefined;
};

let installed: Promise<Telemetry> | undefined;

export function installRuntime(config: Pick<Config, 'logLevel' | 'metrics'>): Promise<Telemetry> {
  installed ??= install(config).catch((error: unknown) => {
    installed = undefined;
    throw error;
  });
  return installed;
}

async function install(config: Pick<Config, 'logLevel' | 'metrics'>): Promise<Telemetry> {
  // A Runtime already exists (a test's setup file installed its own): use it as it is, without metrics.
  if (Runtime._instance) {
    Runtime._instance.logger.info('the Temporal Runtime was installed before the worker: LOG_LEVEL and /metrics do not apply in this process');
    return { logger: Runtime._instance.logger, metricsUrl: undefined };
  }
  const bindAddress = config.metrics.bindAddress ?? `127.0.0.1:${await freePort()}`;
  const runtime = Runtime.install({
    logger: new DefaultLogger(config.logLevel),
    telemetryOptions: {
      // Core's own logs go through the same logger, so LOG_LEVEL governs everything the worker prints.
      logging: { filter: { core: config.logLevel, other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress, histogramBucketOverrides: { [METRICS.batchDuration]: [...BATCH_DURATION_BUCKETS] } } },
    },
  });
  const [host, port] = splitHostPort(bindAddress);
  const scrapeHost = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
  return { logger: runtime.logger, metricsUrl: `http://${scrapeHost}:${port}/metrics` };
}

function splitHostPort(address: string): [string, string] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), address.slice(colon + 1)];
}

/** Reads the SDK exporter's Prometheus text: SDK metrics and Pressroom's, which go through the SDK's meter. */
export async function scrapeMetrics(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) throw new Error(`the SDK's Prometheus exporter at ${url} answered HTTP ${response.status}`);
  return response.text();
}
