import type { ActivityInterceptorsFactory } from '@temporalio/worker';

// Pressroom's own metrics, recorded on the SDK's metric meter so they leave through the same Prometheus
// exporter as the SDK's. They are observed around the import's activities by an interceptor, so the
// activities and workflows stay free of metrics code:
//   listSource (first attempt)  → an import started
//   finishImport                → an import finished, by its report's status
//   importBatch                 → documents by outcome, and the batch's duration

export const METRICS = {
  importsStarted: 'pressroom_imports_started',
  importsFinished: 'pressroom_imports_finished',
  documents: 'pressroom_documents',
  batchDuration: 'pressroom_import_batch_duration_seconds',
} as const;

/** Seconds: a batch of 100 small documents takes about 0.2 s; one stalled on a database outage, minutes. */
export const BATCH_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

const OUTCOMES = ['created', 'updated', 'unchanged', 'rejected'] as const;

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

/** The activity interceptor the worker installs. It never changes an activity's result or error. */
export function importMetricsInterceptor(): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const type = ctx.info.activityType;
        const arg = record(input.args[0]);
        const dryRun = arg.dryRun === true;
        const meter = ctx.metricMeter;
        if (type === 'listSource' && ctx.info.attempt === 1) {
          meter.createCounter(METRICS.importsStarted, undefined, 'imports started (a dry run is tagged dry_run="true")').add(1, { dry_run: dryRun });
        }
        if (type !== 'importBatch') {
          const result = await next(input);
          if (type === 'finishImport' && typeof arg.status === 'string') {
            meter
              .createCounter(METRICS.importsFinished, undefined, 'imports finished, by status (completed, failed, cancelled)')
              .add(1, { status: arg.status, dry_run: dryRun });
          }
          return result;
        }
        const started = performance.now();
        let outcome = 'error';
        try {
          const result = await next(input);
          outcome = 'ok';
          const counts = record(result);
          const documents = meter.createCounter(METRICS.documents, undefined, 'documents imported, by outcome (a dry run counts its plan)');
          for (const name of OUTCOMES) {
            const n = counts[name];
            if (typeof n === 'number' && n > 0) documents.add(n, { outcome: name, dry_run: dryRun });
          }
          return result;
        } finally {
          meter
            .createHistogram(METRICS.batchDuration, 'float', 's', 'import batch duration (read, parse, commit), by result (ok, error)')
            .record((performance.now() - started) / 1_000, { result: outcome });
        }
      },
    },
  });
}
