import { resolve } from 'node:path';
import { z } from 'zod';
import { ErrorType, PressroomError } from './domain/errors.js';
import { DEFAULT_TASK_QUEUE } from './domain/names.js';
import { IMPORT_DEFAULTS } from './domain/import/index.js';
import { ReviewPolicy } from './domain/review.js';

// The one environment schema. worker.ts and the CLI call loadConfig() once at start-up; nothing
// reads process.env at import time, so tests can build configs of their own.

const port = z.coerce.number().int().min(1).max(65_535);
const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const PARSE_THREADS = 'expected a whole number of parse threads from 0 (parse on the main thread) to 16';
const HEAP_GROWTH = "expected a whole percentage from 0 (V8's own heuristic) to 400";

export const Env = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'expected host:port, for example 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_TLS: z.preprocess(emptyAsUndefined, flag.optional()),
  TEMPORAL_TLS_CERT: z.preprocess(emptyAsUndefined, z.string().optional()),
  TEMPORAL_TLS_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  TEMPORAL_TLS_CA: z.preprocess(emptyAsUndefined, z.string().optional()),
  TEMPORAL_TLS_SERVER_NAME: z.preprocess(emptyAsUndefined, z.string().optional()),
  TEMPORAL_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
      .optional(),
  ),
  PRESSROOM_DATA_DIR: z.string().min(1).default('.pressroom'),
  PRESSROOM_WORKFLOW_BUNDLE: z.preprocess(emptyAsUndefined, z.string().optional()),
  PRESSROOM_HTTP_PORT: port.default(8080),
  PRESSROOM_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  PRESSROOM_API_URL: z.preprocess(emptyAsUndefined, z.url("expected the worker's HTTP API base URL, for example http://127.0.0.1:8080").optional()),
  SITE_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, error: 'expected the public site origin, for example https://alphanode.dev' }).optional(),
  ),
  REVIEW_POLICY: ReviewPolicy.default('flagged'),
  IMPORT_INBOX: z.preprocess(emptyAsUndefined, z.string().optional()),
  PRESSROOM_SCHEDULES_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(IMPORT_DEFAULTS.batchSize),
  IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(IMPORT_DEFAULTS.concurrency),
  IMPORT_PARSE_THREADS: z.coerce.number(PARSE_THREADS).int(PARSE_THREADS).min(0, PARSE_THREADS).max(16, PARSE_THREADS).default(1),
  PRESSROOM_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  PRESSROOM_HEAP_GROWTH_PERCENT: z.coerce.number(HEAP_GROWTH).int(HEAP_GROWTH).min(0, HEAP_GROWTH).max(400, HEAP_GROWTH).default(150),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' && value !== '' ? value.toUpperCase() : emptyAsUndefined(value)),
    z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], 'expected TRACE, DEBUG, INFO, WARN or ERROR').default('INFO'),
  ),
  CACHE_PURGE_URL: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, error: "expected the cache's base http(s) URL for PURGE requests, for example http://127.0.0.1:6081" }).optional(),
  ),
  CACHE_PURGE_MODE: z.preprocess(
    emptyAsUndefined,
    z.enum(['xkey', 'url'], 'expected xkey (purge by surrogate key) or url (one PURGE per path)').default('xkey'),
  ),
  PRESSROOM_METRICS_ADDRESS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[^\s:]+:\d+$/, "expected host:port for the SDK's Prometheus exporter, for example 127.0.0.1:9464")
      .optional(),
  ),
});

export type Config = {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    tls?: { serverName?: string; cert?: string; key?: string; ca?: string } | undefined;
    apiKey?: string | undefined;
  };
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  dataDir: string;
  /** A prebuilt workflow bundle (`pressroom bundle-workflows FILE`, absolute); unset means the worker bundles at start. */
  workflowBundle?: string | undefined;
  http: { host: string; port: number };
  /** Where the CLI finds the worker's HTTP API. */
  apiUrl: string;
  /** The public site's origin for absolute URLs (the sitemap); unset means each request's own origin. */
  siteUrl?: string | undefined;
  reviewPolicy: ReviewPolicy;
  /** batchSize, concurrency: the client's defaults for an import. parseThreads: the worker's parse threads (0: its main thread parses). */
  import: { batchSize: number; concurrency: number; parseThreads: number };
  /** Where exports are dropped for the nightly scheduled import (`${IMPORT_INBOX}` in the schedules file). */
  importInbox: string;
  /** The schedules file `pressroom schedules` and `pressroom dev` apply. */
  schedulesFile: string;
  shutdownGraceMs: number;
  /**
   * How far V8 lets a worker's heaps grow past what survived the last full collection before the next
   * (percent; 0: V8's own heuristic). More room means fewer full collections per imported document.
   */
  heapGrowthPercent: number;
  /** The level of the SDK Runtime's logger, which the worker's own logs go through too. */
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Where the SDK's Prometheus exporter binds; unset means a free loopback port (the HTTP API's /metrics serves it). */
  metrics: { bindAddress?: string | undefined };
  /** Where releases send PURGE requests; unset means no cache, and purging is a logged no-op. */
  cache: { purgeUrl?: string | undefined; purgeMode: 'xkey' | 'url' };
};

/** The environment is invalid: fix it and restart, a retry will not help. */
export class ConfigError extends PressroomError {
  constructor(message: string) {
    super(ErrorType.InvalidConfig, message);
  }
}

/** Parses the environment once. A bad value is reported by name with the form that was expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const got = env[name];
      return `  ${name}=${got === undefined ? '(unset)' : JSON.stringify(got)}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration (not retryable: fix the environment and restart):\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.TEMPORAL_TLS_CERT === undefined) !== (e.TEMPORAL_TLS_KEY === undefined)) {
    throw new ConfigError('invalid configuration: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (paths to a PEM client certificate and its key)');
  }
  const tlsWanted = e.TEMPORAL_TLS ?? (e.TEMPORAL_TLS_CERT !== undefined || e.TEMPORAL_API_KEY !== undefined);
  const dataDir = resolve(e.PRESSROOM_DATA_DIR);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TASK_QUEUE,
      tls: tlsWanted ? { serverName: e.TEMPORAL_TLS_SERVER_NAME, cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY, ca: e.TEMPORAL_TLS_CA } : undefined,
      apiKey: e.TEMPORAL_API_KEY,
    },
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: resolve(dataDir, 'db') },
    dataDir,
    workflowBundle: e.PRESSROOM_WORKFLOW_BUNDLE === undefined ? undefined : resolve(e.PRESSROOM_WORKFLOW_BUNDLE),
    http: { host: e.PRESSROOM_HTTP_HOST, port: e.PRESSROOM_HTTP_PORT },
    apiUrl: (e.PRESSROOM_API_URL ?? `http://${e.PRESSROOM_HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : e.PRESSROOM_HTTP_HOST}:${e.PRESSROOM_HTTP_PORT}`).replace(
      /\/$/,
      '',
    ),
    siteUrl: e.SITE_URL?.replace(/\/+$/, ''),
    reviewPolicy: e.REVIEW_POLICY,
    import: { batchSize: e.IMPORT_BATCH_SIZE, concurrency: e.IMPORT_CONCURRENCY, parseThreads: e.IMPORT_PARSE_THREADS },
    importInbox: resolve(e.IMPORT_INBOX ?? resolve(dataDir, 'inbox')),
    schedulesFile: resolve(e.PRESSROOM_SCHEDULES_FILE ?? 'pressroom.schedules.json'),
    shutdownGraceMs: e.PRESSROOM_SHUTDOWN_GRACE_MS,
    heapGrowthPercent: e.PRESSROOM_HEAP_GROWTH_PERCENT,
    logLevel: e.LOG_LEVEL,
    metrics: { bindAddress: e.PRESSROOM_METRICS_ADDRESS },
    cache: { purgeUrl: e.CACHE_PURGE_URL, purgeMode: e.CACHE_PURGE_MODE },
  };
}
