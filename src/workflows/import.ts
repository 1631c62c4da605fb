import {
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  isCancellation,
  makeContinueAsNewFunc,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { ImportActivities } from '../activities/import.js';
import {
  ImportWorkflowInput,
  ZERO_COUNTS,
  addCounts,
  importDetails,
  importMemo,
  importProgressLine,
  importSummary,
  type ImportCounts,
  type ImportPhase,
  type ImportProgress,
  type ImportReport,
  type ImportStatus,
} from '../domain/import/index.js';
import { RunOutcome, WorkflowKind } from '../domain/names.js';
import { parseInput } from './input.js';
import { progressQuery } from './messages.js';
import { finishingStore, importBatch as importBatchProfile, listing } from './profiles.js';
import { markOutcome, markStarted } from './search-attributes.js';

const { listSource } = proxyActivities<ImportActivities>(listing);
const { importBatch } = proxyActivities<ImportActivities>(importBatchProfile);
const { finishImport } = proxyActivities<ImportActivities>(finishingStore);

export type { ImportCarry, ImportWorkflowInput } from '../domain/import/index.js';

const OUTCOME: Record<ImportStatus, RunOutcome> = { completed: RunOutcome.completed, cancelled: RunOutcome.cancelled, failed: RunOutcome.failed };

/**
 * Imports a source: lists it into the database, then runs batches of it, `concurrency` at a time,
 * each one transaction. Cancelling lets the batches in flight finish, then reports partial counts.
 */
export async function importWorkflow(input: ImportWorkflowInput): Promise<ImportReport> {
  const settings = parseInput('importWorkflow', ImportWorkflowInput, input);
  const info = workflowInfo();
  const carry = settings.carry;
  const importRunId = carry?.importRunId ?? info.firstExecutionRunId;
  const startedAt = carry?.startedAt ?? new Date(info.startTime).toISOString();
  const runs = (carry?.runs ?? 0) + 1;

  // What the Web UI shows, set by the workflow whoever started it; a continued run inherits the memo
  // and search attributes through continue-as-new, and sets its current details again.
  if (!carry) {
    markStarted(WorkflowKind.import, settings.paths[0]);
    upsertMemo(importMemo(settings));
  }
  const summary = importSummary(settings);
  const details = importDetails(settings);

  let phase: ImportPhase = carry ? 'importing' : 'listing';
  let total = carry?.total ?? 0;
  let cursor = carry?.cursor ?? 0;
  let counts: ImportCounts = carry?.counts ?? ZERO_COUNTS;
  let inFlight = 0;
  let reported = false;

  const showDetails = () =>
    setCurrentDetails(
      [`**${summary}**`, importProgressLine(phase, total, counts), runs > 1 ? `run ${runs} of the chain` : '', details].filter(Boolean).join('\n\n'),
    );
  showDetails();

  setHandler(progressQuery, (): ImportProgress => ({
    phase,
    dryRun: settings.dryRun,
    total,
    processed: counts.files,
    created: counts.created,
    updated: counts.updated,
    unchanged: counts.unchanged,
    rejected: counts.rejected,
    documents: counts.documents,
    batchesInFlight: inFlight,
    runs,
  }));

  const finish = async (status: ImportStatus): Promise<ImportReport> => {
    markOutcome(status === 'completed' && counts.rejected > 0 ? RunOutcome.rejections : OUTCOME[status]);
    const report: ImportReport = {
      importRunId,
      workflowId: info.workflowId,
      status,
      dryRun: settings.dryRun,
      total,
      counts,
      startedAt,
      finishedAt: new Date().toISOString(),
      runs,
    };
    // The report must land even when the run was cancelled: record it outside the cancelled scope.
    await CancellationScope.nonCancellable(() => finishImport(report));
    phase = status;
    reported = true;
    showDetails();
    return report;
  };

  // Captured once: condition() callbacks do not run inside this scope.
  const root = CancellationScope.current();

  try {
    if (!carry) {
      ({ total } = await listSource({ importRunId, workflowId: info.workflowId, paths: settings.paths, dryRun: settings.dryRun }));
      phase = 'importing';
      showDetails();
    }

    let batchesThisRun = 0;
    let failure: Error | undefined;
    const mustStop = () =>
      failure !== undefined ||
      root.consideredCancelled ||
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > settings.maxHistoryEvents ||
      (settings.maxBatchesPerRun !== undefined && batchesThisRun >= settings.maxBatchesPerRun);

    // A sliding window of batches: start one whenever a slot is free, until done or told to stop.
    while (cursor < total && !mustStop()) {
      if (inFlight < settings.concurrency) {
        const from = cursor;
        const to = Math.min(from + settings.batchSize, total);
        cursor = to;
        batchesThisRun++;
        inFlight++;
        // In-flight batches are not cancellable: a cancel stops scheduling, and what started finishes.
        void CancellationScope.nonCancellable(() => importBatch({ importRunId, from, to, dryRun: settings.dryRun })).then(
          (batchCounts) => {
            counts = addCounts(counts, batchCounts);
            inFlight--;
            showDetails();
          },
          (error: unknown) => {
            failure ??= error instanceof Error ? error : new Error(String(error));
            inFlight--;
          },
        );
        continue;
      }
      await CancellationScope.nonCancellable(() => condition(() => inFlight < settings.concurrency || root.consideredCancelled));
    }
    await CancellationScope.nonCancellable(() => condition(() => inFlight === 0));
    if (failure !== undefined) throw failure;

    if (root.consideredCancelled) {
      await finish('cancelled');
      throw new CancelledFailure(`import ${info.workflowId} cancelled after ${counts.files} of ${total} files`);
    }
    if (cursor < total) {
      await condition(allHandlersFinished);
      // Memo and search attributes go along explicitly; the static summary cannot (SDK 1.24's
      // ContinueAsNewOptions has no field for it), which is why current details repeat it.
      const next = makeContinueAsNewFunc<typeof importWorkflow>({ memo: workflowInfo().memo, typedSearchAttributes: workflowInfo().typedSearchAttributes });
      return await next({ ...settings, carry: { importRunId, total, cursor, counts, startedAt, runs } });
    }
    phase = 'finishing';
    showDetails();
    return await finish('completed');
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      if (!reported) await finish('cancelled');
      throw error;
    }
    if (!reported) await finish('failed').catch(() => undefined);
    throw error;
  }
}
