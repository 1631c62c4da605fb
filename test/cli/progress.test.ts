import { describe, expect, it } from 'vitest';
import { finalProgress, Output, progressBar } from '../../src/cli/output.js';
import type { ImportProgress, ImportReport } from '../../src/domain/import/index.js';
import { stringSink } from './capture.js';

const running: ImportProgress = {
  phase: 'importing',
  dryRun: false,
  total: 40,
  processed: 30,
  created: 30,
  updated: 0,
  unchanged: 0,
  rejected: 0,
  documents: 30,
  batchesInFlight: 1,
  runs: 1,
};
const report: ImportReport = {
  importRunId: 'r',
  workflowId: 'import-x',
  status: 'completed',
  dryRun: false,
  total: 40,
  counts: { files: 40, documents: 40, created: 38, updated: 0, unchanged: 0, rejected: 2 },
  startedAt: 'a',
  finishedAt: 'b',
  runs: 1,
};

describe('the progress bar', () => {
  it('draws the final state on completion, so it ends at 100 %', () => {
    const stderr = stringSink();
    const progress = new Output(stringSink(), stderr).progress(false);
    progress.update(running);
    progress.finish(finalProgress(report));
    const lines = stderr.text.trimEnd().split('\n');
    expect(lines[0]).toContain(' 75% 30/40 files');
    expect(lines.at(-1)).toBe(`[${'#'.repeat(30)}] 100% 40/40 files  created 38  updated 0  unchanged 0  rejected 2`);
  });

  it('on a terminal redraws one line and ends it', () => {
    const stderr = stringSink(true);
    const progress = new Output(stringSink(), stderr).progress(false);
    progress.update(running);
    progress.note('a warning');
    progress.update(running);
    progress.finish(finalProgress(report));
    expect(stderr.text).toBe(`\r${progressBar(running)}\na warning\n\r${progressBar(running)}\r${progressBar(finalProgress(report))}\n`);
  });

  it('is silent with --json', () => {
    const stderr = stringSink();
    const progress = new Output(stringSink(), stderr).progress(true);
    progress.update(running);
    progress.finish(finalProgress(report));
    expect(stderr.text).toBe('');
  });

  it('an empty source that completed shows 100 %', () => {
    expect(progressBar(finalProgress({ ...report, total: 0, counts: { ...report.counts, files: 0 } }))).toContain('100%');
  });
});
