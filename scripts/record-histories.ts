// Records histories of finished workflows for the replay tests (test/replay). Run it when a
// workflow changes ON PURPOSE in a way that old histories cannot replay, after adding a patch():
//   flock /tmp/e2e.lock npx tsx scripts/record-histories.ts
// (under the lock the temporal tests take: it runs a dev server and a worker of its own). Names as
// arguments (import, probe, review, freshness) record only those; the others' files stay as they are.
// A history recorded before a patch() is kept under its own name, for the old path to keep replaying.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, runProbe, startImport } from '../src/client.js';
import { searchAttributeFlags } from '../src/domain/names.js';
import { loadConfig } from '../src/config.js';
import { writeSynthCorpus } from '../src/sources/synth-corpus.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startWorker } from '../src/worker.js';
import { freshnessSweepWorkflow } from '../src/workflows/freshness.js';
import { reviewWorkflow } from '../src/workflows/review.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const out = join(import.meta.dirname, '..', 'test', 'replay', 'histories');
const dir = mkdtempSync(join(tmpdir(), 'pressroom-record-'));
const server = await startDevServer({ headless: true, searchAttributes: searchAttributeFlags() });
try {
  const corpus = join(dir, 'corpus');
  await writeSynthCorpus(corpus, { seed: 3, count: 30, badRatio: 0.2 });

  const config = { ...loadConfig({ TEMPORAL_ADDRESS: server.address, PRESSROOM_DATA_DIR: join(dir, 'data') }), http: { host: '127.0.0.1', port: 0 } };
  const worker = await startWorker(config, { http: false });
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
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
