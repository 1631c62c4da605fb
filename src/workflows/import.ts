import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ImportActivities } from '../activities/import.js';
import {
  ImportRequest,
  ZERO_COUNTS,
  addCounts,
  type ImportCounts,
  type ImportPhase,
  type ImportProgress,
  type ImportReport,
  type ImportSettings,
  type ImportStatus,
} from '../domain/import/index.js';
import { ErrorType } from '../domain/errors.js';
import { progressQuery } from './messages.js';
import { importBatch as importBatchProfile, listing, quickStore } from './profiles.js';

const { listSource } = proxyActivities<ImportActivities>(listing);
const { importBatch } = proxyActivities<ImportActivities>(importBatchProfile);
const { finishImport } = proxyActivities<ImportActivities>(quickStore);

/** What one run hands the next through continue-as-new: a cursor and counts, never the manifest. */
export type ImportCarry = { importRunId: string; total: number; cursor: number; counts: ImportCounts; startedAt: string; runs: number };

export type ImportWorkflowInput = ImportRequest & { carry?: ImportCarry };

/**
 * Imports a source: lists it into the database, then runs batches of it, `concurrency` at a time,
 * each one transaction. Cancelling lets the batches in flight finish, then reports partial counts.
 */
export async function importWorkflow(input: ImportWorkflowInput): Promise<ImportReport> {
  const parsed = ImportRequest.safeParse(input);
  if (!parsed.success) {
    // Bad input fails the run at once: a thrown zod error would only fail the task, over and over.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(`invalid import request (${problems})`, ErrorType.InvalidInput);
  }
  const settings: ImportSettings = parsed.data;
  const info = workflowInfo();
  const carry = input.carry;
  const importRunId = carry?.importRunId ?? info.firstExecutionRunId;
  const startedAt = carry?.startedAt ?? new Date(info.startTime).toISOString();
  const runs = (carry?.runs ?? 0) + 1;

  let phase: ImportPhase = carry ? 'importing' : 'listing';
  let total = carry?.total ?? 0;
  let cursor = carry?.cursor ?? 0;
  let counts: ImportCounts = carry?.counts ?? ZERO_COUNTS;
  let inFlight = 0;
  let reported = false;

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
    return report;
  };

  // Captured once: condition() callbacks do not run inside this scope.
  const root = CancellationScope.current();

  try {
    if (!carry) {
      ({ total } = await listSource({ importRunId, workflowId: info.workflowId, paths: settings.paths, dryRun: settings.dryRun }));
      phase = 'importing';
    }

    let batchesThisRun = 0;
    let failure: unknown;
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
          },
          (error: unknown) => {
            failure ??= error;
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
      return await continueAsNew<typeof importWorkflow>({ ...input, carry: { importRunId, total, cursor, counts, startedAt, runs } });
    }
    phase = 'finishing';
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
