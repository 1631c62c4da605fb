import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../helpers/temporal.js';

// Histories recorded from real runs (scripts/record-histories.ts). If a change to a workflow makes
// one fail to replay, running workflows of that type would break on deploy: patch() the change.
const HISTORIES = join(import.meta.dirname, 'histories');

function load(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')));
}

describe('replay of recorded histories', () => {
  for (const [file, workflowId] of [
    ['import-workflow.json', 'import'],
    // Recorded before BATCHES_WHILE_LISTING_PATCH: the whole listing, then the first batch; and a listing that
    // failed, where the new path would have scheduled batches beside it (this one fails to replay without the patch).
    ['import-workflow-listing-first.json', 'import'],
    ['import-workflow-listing-first-failed.json', 'import'],
    ['probe-workflow.json', 'probe'],
    ['review-workflow.json', 'review'],
    ['freshness-workflow.json', 'freshness'],
    // A release approved through its update, whose promotion starts the incremental reindex as a child; a full
    // reindex; the incremental reindex a second release started; a rollback, which starts one too.
    ['release-workflow.json', 'release'],
    ['reindex-workflow.json', 'reindex'],
    ['reindex-incremental-workflow.json', 'reindex-incremental'],
    ['rollback-workflow.json', 'rollback'],
  ] as const) {
    it(`${file} replays on the current workflow code without nondeterminism`, async () => {
      const history = load(file);
      expect(history.events?.length).toBeGreaterThan(8);
      await Worker.runReplayHistory({ workflowBundle: workflowBundle(), replayName: file }, history, `${workflowId}-replay`);
    });
  }

  it('catches a workflow whose commands changed (the check can fail)', async () => {
    // A different workflow under the same type name: it schedules other activities than the history recorded.
    const broken = await bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, 'fixtures', 'changed-probe.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(Worker.runReplayHistory({ workflowBundle: broken }, load('probe-workflow.json'))).rejects.toMatchObject({ name: 'DeterminismViolationError' });
  });
});
