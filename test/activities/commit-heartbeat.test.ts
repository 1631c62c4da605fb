import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportActivities, type BatchHeartbeat } from '../../src/activities/import.js';
import { openStore, type Store } from '../../src/store/index.js';
import { writeCorpus } from '../helpers/corpus.js';

// Issue 8 item 15: a batch heartbeats during its commit (after each stage since issue 9), so a commit waiting on a slow database is not
// taken for a dead worker (heartbeat timeout 15 s).
describe('importBatch heartbeats while it commits', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-commit-hb-'));
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dataDir: join(root, 'db') });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reports the documents written stage by stage, between reading and committed', async () => {
    const corpus = writeCorpus(join(root, 'corpus'), { seed: 7, count: 6, badRatio: 0.5 });
    expect(corpus.bad.length).toBeGreaterThan(0);
    expect(corpus.good.length).toBeGreaterThan(0);
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'hb', workflowId: 'wf', paths: [corpus.dir], dryRun: false });
    const heartbeats: BatchHeartbeat[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: BatchHeartbeat) => heartbeats.push(d));
    await env.run(activities.importBatch, { importRunId: 'hb', from: 0, to: 6, dryRun: false });
    const phases = heartbeats.map((h) => h.phase);
    expect(phases.indexOf('committing')).toBeGreaterThan(phases.lastIndexOf('reading'));
    expect(phases.at(-1)).toBe('committed');
    // The articles first, then the quarantine entries: one heartbeat per stage of the set-based commit.
    expect(heartbeats.filter((h) => h.phase === 'committing').map((h) => (h as { written: number }).written)).toEqual([corpus.good.length, 6]);
  });
});
