import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startImport } from '../../src/client.js';
import type { ImportReport } from '../../src/domain/import/index.js';
import { writeCorpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/temporal.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

// /metrics of a real `pressroom worker`: the SDK's Prometheus exporter, with Pressroom's own metrics
// recorded on the SDK's meter, served on the worker's HTTP port after an import.

type Sample = { name: string; labels: Record<string, string>; value: number };

/** A small parser for the Prometheus text format: enough for `name{a="b",…} value` lines. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0);
}

const backend = backends().at(-1)!;

describe(`/metrics of a worker process after an import (${backend.name})`, () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-metrics-'));
  let database: TestDatabase;
  let worker: WorkerProcess;

  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await database?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('counts the import, its documents by outcome and its batches, beside the SDK metrics', async () => {
    const config = testConfig(database.config);
    worker = await spawnWorker({ temporalAddress: config.temporal.address, taskQueue: config.temporal.taskQueue, database: database.config });
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 5, count: 30, badRatio: 0.2 });
    expect(corpus.bad.length).toBeGreaterThan(0);

    const client = await connectClient(config);
    let report: ImportReport;
    try {
      const { handle } = await startImport(client, { paths: [corpus.dir], batchSize: 7, concurrency: 2 });
      report = await handle.result();
    } finally {
      await client.close();
    }
    expect(report.status).toBe('completed');
    const batches = Math.ceil(30 / 7);

    const res = await fetch(`${worker.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = parsePrometheus(text);

    expect(sum(samples, 'pressroom_imports_started', { dry_run: 'false' })).toBe(1);
    expect(sum(samples, 'pressroom_imports_finished', { status: 'completed', dry_run: 'false' })).toBe(1);
    expect(sum(samples, 'pressroom_imports_finished', { status: 'failed' })).toBe(0);
    expect(sum(samples, 'pressroom_documents', { outcome: 'created', dry_run: 'false' })).toBe(report.counts.created);
    expect(sum(samples, 'pressroom_documents', { outcome: 'rejected', dry_run: 'false' })).toBe(report.counts.rejected);
    expect(report.counts.created).toBe(corpus.good.length);
    expect(report.counts.rejected).toBe(corpus.bad.length);
    expect(sum(samples, 'pressroom_import_batch_duration_seconds_count', { result: 'ok' })).toBe(batches);
    expect(sum(samples, 'pressroom_import_batch_duration_seconds_bucket', { result: 'ok', le: '+Inf' })).toBe(batches);
    expect(sum(samples, 'pressroom_import_batch_duration_seconds_sum', { result: 'ok' })).toBeGreaterThan(0);

    // The SDK's own metrics come out of the same exporter.
    expect(sum(samples, 'temporal_workflow_completed', { workflow_type: 'importWorkflow' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name.startsWith('temporal_activity_execution_latency'))).toBe(true);
  });
});
