// Records histories of finished workflows for the replay tests (test/replay). Run it when a
// workflow changes ON PURPOSE in a way that old histories cannot replay, after adding a patch():
//   flock /tmp/e2e.lock npx tsx scripts/record-histories.ts
// (under the lock the temporal tests take: it runs a dev server and a worker of its own). Names as
// arguments (import, probe, review, freshness, release, reindex, reindex-incremental, rollback) record
// only those; the others' files stay as they are.
// A history recorded before a patch() is kept under its own name, for the old path to keep replaying.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, runProbe, runReview, startImport, startReindex, type PressroomClient } from '../src/client.js';
import { startRelease, startRollback } from '../src/client/release.js';
import { WorkflowIds, searchAttributeFlags } from '../src/domain/names.js';
import { loadConfig } from '../src/config.js';
import { previewRelease } from '../src/release/build.js';
import { writeSynthCorpus } from '../src/sources/synth-corpus.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startWorker, type RunningWorker } from '../src/worker.js';
import { freshnessSweepWorkflow } from '../src/workflows/freshness.js';
import { approveReleaseUpdate } from '../src/workflows/messages.js';
import { reachStep } from '../test/helpers/release-e2e.js';
import { reviewWorkflow } from '../src/workflows/review.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

/**
 * Imports a corpus, approves what it accepted and releases every approved change; a person approves it
 * through the update (the synthesized exports trip warning checks), so the history holds an update too.
 */
async function importAndRelease(client: PressroomClient, worker: RunningWorker, corpus: string): Promise<{ workflowId: string; releaseId: string }> {
  await (await startImport(client, { paths: [corpus], batchSize: 5, concurrency: 2 })).handle.result();
  const { articles } = await worker.store.articles.list({ limit: 1_000, offset: 0 });
  await runReview(client, { decision: 'approve', sourceIds: articles.map((a) => a.sourceId), reviewer: 'replay' });
  const preview = await previewRelease(worker.store, null);
  const { handle } = await startRelease(client, { requestedBy: 'replay', autoApprove: false }, preview.releaseId);
  await reachStep(handle, 'awaiting-approval', 60_000);
  await handle.executeUpdate(approveReleaseUpdate, { args: [{ by: 'replay', reason: 'read on staging' }] });
  const report = await handle.result();
  if (report.releaseId === null) throw new Error(`release ${handle.workflowId} went live without a release id`);
  return { workflowId: handle.workflowId, releaseId: report.releaseId };
}

const out = join(import.meta.dirname, '..', 'test', 'replay', 'histories');
const dir = mkdtempSync(join(tmpdir(), 'pressroom-record-'));
const server = await startDevServer({ headless: true, searchAttributes: searchAttributeFlags() });
try {
  const corpus = join(dir, 'corpus');
  await writeSynthCorpus(corpus, { seed: 3, count: 30, badRatio: 0.2 });

  const config = { ...loadConfig({ TEMPORAL_ADDRESS: server.address, PRESSROOM_DATA_DIR: join(dir, 'data') }), http: { host: '127.0.0.1', port: 0 } };
  // With its HTTP server: a release verifies the routes it published through the worker's own site.
  const worker = await startWorker(config);
  const client = await connectClient(config);
  const { handle } = await startImport(client, { paths: [corpus], batchSize: 5, concurrency: 2 });
  await handle.result();
  await runProbe(client, { key: 'replay', value: 'v' });
  // A fixed id, so the history can be fetched below; an unknown article keeps it independent of the corpus.
  await client.client.workflow.execute(reviewWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: 'review-replay',
    args: [{ decision: 'approve', sourceIds: ['replay-unknown'], reviewer: 'replay' }],
  });
  // After the import, so it sweeps real articles (the synthetic dates are years old).
  await client.client.workflow.execute(freshnessSweepWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: 'freshness-replay',
    args: [{ requestedBy: 'replay', maxAgeDays: 365 }],
  });
  // A release (its promotion starts an incremental reindex that fails: no index yet), a full reindex, a
  // second release of a second corpus (its incremental reindex updates the index) and a rollback of it.
  const firstRelease = await importAndRelease(client, worker, corpus);
  const fullReindex = await startReindex(client, { mode: 'full', requestedBy: 'replay' });
  await fullReindex.handle.result();
  const second = join(dir, 'second');
  await writeSynthCorpus(second, { seed: 5, count: 6, badRatio: 0 });
  const secondRelease = await importAndRelease(client, worker, second);
  const incremental = WorkflowIds.reindexIncremental(secondRelease.releaseId);
  await client.client.workflow.getHandle(incremental).result();
  const rollback = await startRollback(client, { requestedBy: 'replay', reason: 'recording a rollback' });
  await rollback.handle.result();
  await client.close();
  await worker.shutdown();

  const only = process.argv.slice(2);
  const show = (workflowId: string, file: string) => {
    if (only.length > 0 && !only.includes(file.replace(/-workflow\.json$/, ''))) return;
    const json = execFileSync(resolveTemporalBinary('cli'), ['workflow', 'show', '--address', server.address, '-w', workflowId, '--output', 'json'], {
      encoding: 'utf8',
    });
    writeFileSync(join(out, file), json);
    console.log(`wrote ${join(out, file)}`);
  };
  show(handle.workflowId, 'import-workflow.json');
  show('probe-replay', 'probe-workflow.json');
  show('review-replay', 'review-workflow.json');
  show('freshness-replay', 'freshness-workflow.json');
  show(firstRelease.workflowId, 'release-workflow.json');
  show(fullReindex.handle.workflowId, 'reindex-workflow.json');
  show(incremental, 'reindex-incremental-workflow.json');
  show(rollback.handle.workflowId, 'rollback-workflow.json');
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
