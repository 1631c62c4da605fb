import type { Context } from '@temporalio/activity';
import type { MetricTags } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { METRICS, importMetricsInterceptor } from '../../src/telemetry/metrics.js';

type Recorded = { name: string; value: number; tags: MetricTags | undefined };

function fakeContext(activityType: string, attempt = 1) {
  const recorded: Recorded[] = [];
  const metric = (name: string) => ({
    add: (value: number, tags?: MetricTags) => recorded.push({ name, value, tags }),
    record: (value: number, tags?: MetricTags) => recorded.push({ name, value, tags }),
  });
  const metricMeter = { createCounter: metric, createHistogram: metric };
  return { ctx: { info: { activityType, attempt }, metricMeter } as unknown as Context, recorded };
}

async function run(activityType: string, args: unknown[], result: () => Promise<unknown>, attempt = 1) {
  const { ctx, recorded } = fakeContext(activityType, attempt);
  const inbound = importMetricsInterceptor()(ctx).inbound!;
  const outcome = await inbound.execute!({ args, headers: {} }, result).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { outcome, recorded };
}

describe('LOG_LEVEL and the metrics exporter address', () => {
  it('parses LOG_LEVEL case-insensitively, defaults to INFO, and names the accepted values on a typo', () => {
    expect(loadConfig({}).logLevel).toBe('INFO');
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('DEBUG');
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('INFO');
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL="verbose": expected TRACE, DEBUG, INFO, WARN or ERROR/);
    expect(loadConfig({}).metrics.bindAddress).toBeUndefined();
    expect(loadConfig({ PRESSROOM_METRICS_ADDRESS: '0.0.0.0:9464' }).metrics.bindAddress).toBe('0.0.0.0:9464');
    expect(() => loadConfig({ PRESSROOM_METRICS_ADDRESS: '9464' })).toThrow(/PRESSROOM_METRICS_ADDRESS="9464": expected host:port/);
  });
});

describe('the import metrics interceptor', () => {
  it('counts documents by outcome and times the batch, passing the result through unchanged', async () => {
    const counts = { files: 5, documents: 6, created: 3, updated: 1, unchanged: 0, rejected: 2 };
    const { outcome, recorded } = await run('importBatch', [{ importRunId: 'r', from: 0, to: 5, dryRun: false }], () => Promise.resolve(counts));
    expect(outcome).toEqual({ value: counts });
    const documents = recorded.filter((r) => r.name === METRICS.documents).map((r) => [r.tags?.outcome, r.value, r.tags?.dry_run]);
    expect(documents).toEqual([
      ['created', 3, false],
      ['updated', 1, false],
      ['rejected', 2, false],
    ]);
    const duration = recorded.find((r) => r.name === METRICS.batchDuration);
    expect(duration?.tags).toEqual({ result: 'ok' });
    expect(duration?.value).toBeGreaterThanOrEqual(0);
  });

  it('times a failed batch as an error, counts no documents, and rethrows the same error', async () => {
    const failure = new Error('database away');
    const { outcome, recorded } = await run('importBatch', [{ dryRun: true }], () => Promise.reject(failure));
    expect(outcome).toEqual({ error: failure });
    expect(recorded.map((r) => [r.name, r.tags?.result])).toEqual([[METRICS.batchDuration, 'error']]);
  });

  it("counts an import started on the listing's first attempt only, and finished by its report's status", async () => {
    expect((await run('listSource', [{ dryRun: true }], () => Promise.resolve({ total: 1 }))).recorded).toEqual([
      { name: METRICS.importsStarted, value: 1, tags: { dry_run: true } },
    ]);
    expect((await run('listSource', [{ dryRun: false }], () => Promise.resolve({ total: 1 }), 2)).recorded).toEqual([]);
    expect((await run('finishImport', [{ status: 'failed', dryRun: false }], () => Promise.resolve(undefined))).recorded).toEqual([
      { name: METRICS.importsFinished, value: 1, tags: { status: 'failed', dry_run: false } },
    ]);
    expect((await run('finishImport', [{ status: 'completed' }], () => Promise.reject(new Error('x')))).recorded).toEqual([]);
    expect((await run('probeWrite', [{}], () => Promise.resolve('ok'))).recorded).toEqual([]);
  });
});
