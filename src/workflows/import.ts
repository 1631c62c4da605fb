import {
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
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
import { batchAheadOfListing, finishingStore, importBatch as importBatchProfile, listing } from './profiles.js';
import { markOutcome, markStarted } from './search-attributes.js';

const { listSource } = proxyActivities<ImportActivities>(listing);
const { importBatch } = proxyActivities<ImportActivities>(importBatchProfile);
const { importBatch: importBatchAhead } = proxyActivities<ImportActivities>(batchAheadOfListing);
const { finishImport } = proxyActivities<ImportActivities>(finishingStore);

export type { ImportCarry, ImportWorkflowInput } from '../domain/import/index.js';

/**
 * Imports started before this change list the whole source, then start their first batch. Since it,
 * the first batches start with the listing and wait, in their activity, for their entries: the first
 * chunk of the manifest is written within ~0.1 s, the whole of 10,000 files took ~0.3 s.
 */
export const BATCHES_WHILE_LISTING_PATCH = 'batches-while-listing';

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

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
  // Until the listing ends, `total` is unknown and batches are started ahead of it (see below).
  let listingDone = carry !== undefined;
  let failure: Error | undefined;

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
    // Batches started ahead of the listing run in a scope of their own, shielded from the import's
    // cancel (what started finishes), and cancelled when the listing ends without a total: a batch
    // waiting for entries that will never be listed must stop waiting.
    const ahead = new CancellationScope({ cancellable: true, parent: new CancellationScope({ cancellable: false }) });
    // The listing's own scope: a batch that fails for good ends the import, and the listing with it.
    const listingScope = new CancellationScope();
    if (!carry) {
      const request = { importRunId, workflowId: info.workflowId, paths: settings.paths, dryRun: settings.dryRun };
      if (patched(BATCHES_WHILE_LISTING_PATCH)) {
        void listingScope
          .run(() => listSource(request))
          .then(
            (listed) => {
              total = listed.total;
              listingDone = true;
              phase = 'importing';
              showDetails();
            },
            (error: unknown) => {
              listingDone = true;
              ahead.cancel();
              // A cancelled import's listing is cancelled with it: that is the cancel, not a failure.
              if (!root.consideredCancelled) failure ??= asError(error);
            },
          );
      } else {
        ({ total } = await listSource(request));
        listingDone = true;
        phase = 'importing';
        showDetails();
      }
    }

    let batchesThisRun = 0;
    const mustStop = () =>
      failure !== undefined ||
      root.consideredCancelled ||
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > settings.maxHistoryEvents ||
      (settings.maxBatchesPerRun !== undefined && batchesThisRun >= settings.maxBatchesPerRun);

    // A sliding window of batches: start one whenever a slot is free, until done or told to stop. While
    // the source is being listed, a batch takes the next `batchSize` seqs and waits for them in its
    // activity; one that the listing ends short of imports what there is, possibly nothing.
    while ((cursor < total || !listingDone) && !mustStop()) {
      if (inFlight < settings.concurrency) {
        const from = cursor;
        const aheadOfListing = !listingDone;
        const to = aheadOfListing ? from + settings.batchSize : Math.min(from + settings.batchSize, total);
        cursor = to;
        batchesThisRun++;
        inFlight++;
        const batch = { importRunId, from, to, dryRun: settings.dryRun };
        // In-flight batches are not cancellable: a cancel stops scheduling, and what started finishes.
        const started = aheadOfListing
          ? ahead.run(() => importBatchAhead({ ...batch, awaitListing: true }))
          : CancellationScope.nonCancellable(() => importBatch(batch));
        void started.then(
          (batchCounts) => {
            counts = addCounts(counts, batchCounts);
            inFlight--;
            showDetails();
          },
          (error: unknown) => {
            // A batch stopped because the listing failed or was cancelled: the listing's outcome says why.
            if (!(aheadOfListing && isCancellation(error))) failure ??= asError(error);
            inFlight--;
          },
        );
        continue;
      }
      await CancellationScope.nonCancellable(() => condition(() => inFlight < settings.concurrency || failure !== undefined || root.consideredCancelled));
    }
    if (failure !== undefined && !listingDone) listingScope.cancel();
    // A run ends with its listing: a continued run carries the total.
    await CancellationScope.nonCancellable(() => condition(() => inFlight === 0 && listingDone));
    if (failure !== undefined) throw failure;

    if (root.consideredCancelled) {
      await finish('cancelled');
      const of = listingDone ? ` of ${total}` : ' (the source was not listed to its end)';
      throw new CancelledFailure(`import ${info.workflowId} cancelled after ${counts.files}${of} files`);
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
